// The ksyun-route Pulumi program: the cluster's live Nodes → one KSYun VPC host route per node, plus the
// cluster-side manifests. Every decision is made by the pure planner before any resource is declared, so a
// refused plan (conflicting CIDRs, mass deletion) fails the run with nothing changed.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { VpcRoute } from "@ksyun-route/provider";
import { clientFromSettings, readSettings } from "@ksyun-route/provider/settings";
import { loadKubeConfig, listNodes, serverVersion } from "./cluster.ts";
import { parseConfig, NAMESPACE } from "./config.ts";
import { instancesByPrivateIp, vpcInstanceIds } from "./instances.ts";
import { declareManifests } from "./manifests/index.ts";
import { ipLookupsNeeded, planRoutes, systemUuidsToCheck } from "./plan.ts";
import { previousRoutes, type RouteOutputs } from "./previous.ts";
import { assertCredentialsEncrypted } from "./secret-config.ts";

const raw = pulumi.runtime.allConfig();
const config = parseConfig(raw);
assertCredentialsEncrypted(raw);
const stackConfig = new pulumi.Config(NAMESPACE);

const kc = loadKubeConfig(config.kubeconfig, config.kubeContext);
const nodes = await listNodes(kc);
const client = clientFromSettings(readSettings((key) => raw[`${NAMESPACE}:${key}`]));
const candidates = systemUuidsToCheck({ nodes, podCidr: config.podCidr });
const nodeList = {
  nodes,
  podCidr: config.podCidr,
  vpcInstanceIds: candidates.length ? await vpcInstanceIds(client, config.vpcId, candidates) : new Set<string>(),
};
const ips = ipLookupsNeeded(nodeList);
const plan = planRoutes({
  ...nodeList,
  ipToInstance: ips.length ? await instancesByPrivateIp(client, config.vpcId, ips) : new Map(),
  current: await previousRoutes(),
  maxRouteDeletes: config.maxRouteDeletes,
  allowMassDeletion: config.allowMassDeletion,
});
client.close();
plan.skipped.forEach((s) => pulumi.log.warn(`node ${s.node} gets no route: ${s.reason}`));
plan.warnings.forEach((w) => pulumi.log.warn(w));

const declared = plan.routes.map(
  (r) =>
    [
      r,
      new VpcRoute(r.resourceName, {
        vpcId: config.vpcId,
        destinationCidrBlock: r.destinationCidrBlock,
        instanceId: r.instanceId,
        description: `ksyun-route${config.clusterUuid ? ` ${config.clusterUuid}` : ""} node ${r.nodeName}`.slice(
          0,
          128,
        ),
        replaceConflicting: config.replaceConflictingRoutes,
      }),
    ] as const,
);

// A path, not the file's contents: the contents hold credentials the state must not keep.
const provider = new k8s.Provider("cluster", { kubeconfig: config.kubeconfig, context: config.kubeContext });
const [major, minor] = config.monitorToken === "auto" ? await serverVersion(kc) : [0, 0];
declareManifests(
  {
    podCidr: config.podCidr,
    vpcCidr: config.vpcCidr ?? "",
    region: config.region,
    vpcId: config.vpcId,
    clusterUuid: config.clusterUuid ?? "",
    monitorToken:
      config.monitorToken === "auto" ? major > 1 || (major === 1 && minor >= 23) : config.monitorToken === "true",
    skipAwait: config.skipAwait,
    enable: {
      secret: config.enableSecret,
      cni: config.enableCni,
      masqAgent: config.enableMasqAgent,
      watcher: config.enableWatcher,
    },
    images: {
      cni: config.cniImage,
      masqAgent: config.masqAgentImage,
      watcher: config.watcherImage,
      annotator: config.annotatorImage,
    },
    secret: config.enableSecret
      ? {
          ak: stackConfig.require("accessKeyId"),
          sk: stackConfig.requireSecret("secretAccessKey"),
          ...(config.cipher === "aes256+base64" ? { cipher: "aes256+base64" as const } : {}),
          ...(raw[`${NAMESPACE}:securityToken`] ? { securityToken: stackConfig.requireSecret("securityToken") } : {}),
        }
      : undefined,
    watcher: { stack: pulumi.getStack() },
  },
  { provider },
);

/** Per node: its pod CIDR, instance and route id. */
export const routes: pulumi.Output<RouteOutputs> = pulumi.output(
  Object.fromEntries(
    declared.map(([r, route]) => [
      r.nodeName,
      { cidr: r.destinationCidrBlock, instanceId: r.instanceId, routeId: route.routeId },
    ]),
  ),
);
export const skippedNodes = Object.fromEntries(plan.skipped.map((s) => [s.node, s.reason]));
export const counts = {
  nodes: nodes.length,
  routes: plan.routes.length,
  skipped: plan.skipped.length,
  creates: plan.creates.length,
  replaces: plan.replaces.length,
  deletes: plan.deletes.length,
};
