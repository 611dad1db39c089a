// The ksyun-route Pulumi program: the cluster's live Nodes → one KSYun VPC host route per node, plus the
// cluster-side manifests. Every decision is made by the pure planner before any resource is declared; a node in
// trouble only loses its own new route, and deletes beyond the budget are withheld, not made.
import * as pulumi from "@pulumi/pulumi";
import { clientFromSettings, readSettings } from "@ksyun-route/provider/config";
import { readHandoff } from "@ksyun-route/provider/handoff";
import { kubeClient, serverVersion } from "./cluster.ts";
import { NAMESPACE, parseConfig, type ProgramConfig } from "./config.ts";
import { gatherFacts, planWithFacts } from "./facts.ts";
import { previousOutputs } from "./previous.ts";
import { declareRoutes } from "./routes.ts";
import { assertCredentialsEncrypted } from "./secret-config.ts";

const raw = pulumi.runtime.allConfig();

// The watcher's runs (KSYUN_ROUTE_SCOPE=routes) declare routes only, no manifests and no Kubernetes provider, so
// they need no rights beyond reading Nodes, and read the cluster the watcher watches (KUBECONFIG or in-cluster).
function routesOnly(): boolean {
  const scope = process.env.KSYUN_ROUTE_SCOPE ?? "";
  if (scope !== "" && scope !== "routes") throw new Error(`KSYUN_ROUTE_SCOPE="${scope}" is neither "routes" nor empty`);
  return scope === "routes";
}

async function declareNodeRoutes(config: ProgramConfig, routesScope: boolean) {
  const kube = routesScope ? kubeClient(undefined, undefined) : kubeClient(config.kubeconfig, config.kubeContext);
  const client = clientFromSettings(readSettings((key) => raw[`${NAMESPACE}:${key}`]));
  try {
    const [facts, previous] = await Promise.all([gatherFacts(kube, client, config), previousOutputs()]);
    const handoff = readHandoff();
    const plan = await planWithFacts(
      client,
      config.vpcId,
      {
        ...facts,
        podCidr: config.podCidr,
        current: previous.routes,
        previouslyWithheld: previous.withheld,
        maxRouteDeletes: config.maxRouteDeletes,
        allowMassDeletion: config.allowMassDeletion,
        replaceConflictingRoutes: config.replaceConflictingRoutes,
      },
      handoff,
    );
    const scope = handoff?.scope && { nodes: new Set(handoff.scope), previous: previous.routes };
    return { nodes: facts.nodes.length, outputs: declareRoutes(config, plan, scope) };
  } finally {
    client.close();
    kube.close();
  }
}

async function manifests(config: ProgramConfig): Promise<void> {
  const { declareClusterManifests } = await import("./cluster-manifests.ts");
  // calico's monitor_token: auto means on for API servers >= 1.23 (time-bound service-account tokens).
  const monitorToken = async (): Promise<boolean> => {
    if (config.monitorToken !== "auto") return config.monitorToken === "true";
    const kube = kubeClient(config.kubeconfig, config.kubeContext);
    const [major, minor] = await serverVersion(kube).finally(() => kube.close());
    return major > 1 || (major === 1 && minor >= 23);
  };
  const secrets = new pulumi.Config(NAMESPACE);
  declareClusterManifests(config, {
    monitorToken: config.enableCni ? await monitorToken() : false,
    secret: config.enableSecret
      ? {
          ak: secrets.requireSecret("accessKeyId"),
          sk: secrets.requireSecret("secretAccessKey"),
          ...(config.cipher === "aes256+base64" ? { cipher: config.cipher } : {}),
          ...(raw[`${NAMESPACE}:securityToken`] ? { securityToken: secrets.requireSecret("securityToken") } : {}),
        }
      : undefined,
  });
}

async function main() {
  const config = parseConfig(raw);
  assertCredentialsEncrypted(raw);
  const scope = routesOnly();
  const { nodes, outputs } = await declareNodeRoutes(config, scope);
  if (!scope) await manifests(config);
  return { ...outputs, counts: { nodes, ...outputs.counts } };
}

// A bad value or an unreachable API is the operator's to fix, not a defect: one clean message, no stack trace
// (Pulumi prints a RunError's message alone). Defects in the code keep their stack.
const isDefect = (error: unknown) => error instanceof TypeError || error instanceof ReferenceError;
const result = await main().catch((error: unknown) => {
  throw isDefect(error) || !(error instanceof Error) ? error : new pulumi.RunError(error.message);
});

export const routes = result.routes;
export const skippedNodes = result.skippedNodes;
export const counts = result.counts;
export const withheldDeletes = result.withheldDeletes;
