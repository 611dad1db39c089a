// What the program declares for a plan: one VpcRoute per planned node, the manifests, and the stack outputs.
// No I/O of its own, so its wiring is tested with Pulumi mocks.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { VpcRoute } from "@ksyun-route/provider";
import type { ProgramConfig } from "./config.ts";
import { declareManifests, type ManifestArgs } from "./manifests/index.ts";
import type { RoutePlan } from "./plan.ts";
import type { RouteOutputs } from "./previous.ts";

export interface StackOutputs {
  /** Per node: its pod CIDR, instance and route id. */
  routes: pulumi.Output<RouteOutputs>;
  skippedNodes: Record<string, string>;
  counts: Record<string, number>;
}

export function routeDescription(config: Pick<ProgramConfig, "clusterUuid">, nodeName: string): string {
  return `ksyun-route${config.clusterUuid ? ` ${config.clusterUuid}` : ""} node ${nodeName}`.slice(0, 128);
}

export function declareRoutes(config: ProgramConfig, plan: RoutePlan): StackOutputs {
  plan.skipped.forEach((s) => pulumi.log.warn(`node ${s.node} gets no route: ${s.reason}`));
  plan.warnings.forEach((w) => pulumi.log.warn(w));
  const routes = plan.routes.map((r) => {
    const route = new VpcRoute(r.resourceName, {
      vpcId: config.vpcId,
      destinationCidrBlock: r.destinationCidrBlock,
      instanceId: r.instanceId,
      description: routeDescription(config, r.nodeName),
      replaceConflicting: config.replaceConflictingRoutes,
    });
    return [r.nodeName, { cidr: r.destinationCidrBlock, instanceId: r.instanceId, routeId: route.routeId }] as const;
  });
  return {
    routes: pulumi.output(Object.fromEntries(routes)),
    skippedNodes: Object.fromEntries(plan.skipped.map((s) => [s.node, s.reason])),
    counts: {
      routes: plan.routes.length,
      skipped: plan.skipped.length,
      creates: plan.creates.length,
      replaces: plan.replaces.length,
      deletes: plan.deletes.length,
    },
  };
}

/** The manifests of the enabled groups, through a provider for the configured cluster. */
export function declareClusterManifests(
  config: ProgramConfig,
  options: { monitorToken: boolean; secret?: ManifestArgs["secret"] },
): void {
  // A path, not the file's contents: the contents hold credentials the state must not keep.
  const provider = new k8s.Provider("cluster", { kubeconfig: config.kubeconfig, context: config.kubeContext });
  declareManifests(
    {
      podCidr: config.podCidr,
      vpcCidr: config.vpcCidr ?? "",
      region: config.region,
      vpcId: config.vpcId,
      clusterUuid: config.clusterUuid ?? "",
      monitorToken: options.monitorToken,
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
      secret: options.secret,
      watcher: { stack: pulumi.getStack() },
    },
    { provider },
  );
}
