// What the program declares for a plan: one VpcRoute per planned route, and the stack outputs. No I/O of its
// own, so its wiring is tested with Pulumi mocks.
import * as pulumi from "@pulumi/pulumi";
import { VpcRoute } from "@ksyun-route/provider";
import type { RouteOutputs } from "./contract.ts";
import { routeDescription } from "./names.ts";
import type { ManagedRoute, RoutePlan } from "./plan.ts";

/**
 * A run scoped by the watcher (handoff.ts): only these nodes' routes are declared, and the engine is targeted at
 * them; the state's other routes stay untouched, and their outputs are carried over from `previous`.
 */
export interface RunScope {
  readonly nodes: ReadonlySet<string>;
  readonly previous: readonly ManagedRoute[];
}

export interface DeclaredOutputs {
  /** Per node: its pod CIDR, instance and route id (see StackOutputs in contract.ts). */
  routes: pulumi.Output<RouteOutputs>;
  skippedNodes: Record<string, string>;
  withheldDeletes: string[];
  counts: Record<string, number>;
}

export function declareRoutes(
  config: {
    readonly vpcId: string;
    readonly clusterUuid: string | undefined;
    readonly replaceConflictingRoutes: boolean;
  },
  plan: RoutePlan,
  scope?: RunScope,
): DeclaredOutputs {
  plan.skipped.forEach((s) => pulumi.log.warn(`node ${s.node} gets no route: ${s.reason}`));
  plan.warnings.forEach((w) => pulumi.log.warn(w));
  const inScope = (node: string) => scope?.nodes.has(node) ?? true;
  type Entry = [string, { cidr: string; instanceId: string; routeId?: pulumi.Input<string> }];
  const untouched = (scope?.previous ?? [])
    .filter((r) => !inScope(r.nodeName))
    .map((r): Entry => {
      const { destinationCidrBlock: cidr, instanceId, routeId } = r;
      return [r.nodeName, { cidr, instanceId, ...(routeId && { routeId }) }];
    });
  const declared = plan.routes
    .filter((r) => inScope(r.nodeName))
    .map((r): Entry => {
      const route = new VpcRoute(r.resourceName, {
        vpcId: config.vpcId,
        destinationCidrBlock: r.destinationCidrBlock,
        instanceId: r.instanceId,
        description: routeDescription(config.clusterUuid, r.nodeName),
        replaceConflicting: config.replaceConflictingRoutes,
      });
      return [r.nodeName, { cidr: r.destinationCidrBlock, instanceId: r.instanceId, routeId: route.routeId }];
    });
  return {
    routes: pulumi.output(Object.fromEntries([...untouched, ...declared])),
    skippedNodes: Object.fromEntries(plan.skipped.map((s) => [s.node, s.reason])),
    withheldDeletes: plan.withheld,
    counts: {
      routes: plan.routes.length,
      skipped: plan.skipped.length,
      creates: plan.creates.length,
      replaces: plan.replaces.length,
      deletes: plan.deletes.length,
      withheld: plan.withheld.length,
    },
  };
}
