// The ksyun-route Pulumi program: the cluster's live Nodes → one KSYun VPC host route per node, plus the
// cluster-side manifests. Every decision is made by the pure planner before any resource is declared, so a
// refused plan (conflicting CIDRs, mass deletion) fails the run with nothing changed.
import * as pulumi from "@pulumi/pulumi";
import { loadKubeConfig, serverVersion } from "./cluster.ts";
import { NAMESPACE, parseConfig } from "./config.ts";
import { gatherFacts } from "./facts.ts";
import { previousRoutes } from "./previous.ts";
import { assertCredentialsEncrypted } from "./secret-config.ts";
import { declareClusterManifests, declareRoutes } from "./stack.ts";

const raw = pulumi.runtime.allConfig();
const config = parseConfig(raw);
assertCredentialsEncrypted(raw);

// The watcher's runs (KSYUN_ROUTE_SCOPE=routes) declare routes only, no manifests and no Kubernetes provider, so
// they need no rights beyond reading Nodes, and read the cluster the watcher watches (KUBECONFIG or in-cluster).
const scope = process.env.KSYUN_ROUTE_SCOPE ?? "";
if (scope !== "" && scope !== "routes") throw new Error(`KSYUN_ROUTE_SCOPE="${scope}" is neither "routes" nor empty`);
const routesOnly = scope === "routes";

const { nodes, plan } = await gatherFacts(
  routesOnly ? { ...config, kubeconfig: undefined, kubeContext: undefined } : config,
  raw,
  previousRoutes,
);
const outputs = declareRoutes(config, plan);

/** calico's monitor_token: auto means on for API servers >= 1.23 (time-bound service-account tokens). */
async function monitorToken(): Promise<boolean> {
  if (config.monitorToken !== "auto") return config.monitorToken === "true";
  const [major, minor] = await serverVersion(loadKubeConfig(config.kubeconfig, config.kubeContext));
  return major > 1 || (major === 1 && minor >= 23);
}

const secrets = new pulumi.Config(NAMESPACE);
if (!routesOnly)
  declareClusterManifests(config, {
    monitorToken: config.enableCni ? await monitorToken() : false,
    secret: config.enableSecret
      ? {
          ak: secrets.requireSecret("accessKeyId"),
          sk: secrets.requireSecret("secretAccessKey"),
          ...(config.cipher === "aes256+base64" ? { cipher: "aes256+base64" as const } : {}),
          ...(raw[`${NAMESPACE}:securityToken`] ? { securityToken: secrets.requireSecret("securityToken") } : {}),
        }
      : undefined,
  });

export const routes = outputs.routes;
export const skippedNodes = outputs.skippedNodes;
export const counts = { nodes: nodes.length, ...outputs.counts };
