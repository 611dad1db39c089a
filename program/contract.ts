// What the program, the watcher and the status view share: the stack outputs and how to read them, resource
// names, the route resource's type token, the configuration and the planner. watcher/ and status/ import nothing
// else from program/ (enforced by `npm run lint`), and nothing here loads the Pulumi SDK.
import type { ManagedRoute } from "./plan.ts";

export { VPC_ROUTE_TYPE } from "@ksyun-route/provider/resource-type";
export { NAMESPACE, parseConfig, type ProgramConfig } from "./config.ts";
export { kubeClient } from "./cluster.ts";
export { gatherFacts, planWithFacts } from "./facts.ts";
export { instancesByPrivateIp, vpcInstanceIds } from "./lookups.ts";
export { routingView } from "./node-facts.ts";
export { describedNode, routeDescription, routeResourceName } from "./names.ts";
export { LEDGER_NAME } from "./ledger-name.ts";
export {
  ipLookupsNeeded,
  planRoutes,
  systemUuidsToCheck,
  type DesiredRoute,
  type ManagedRoute,
  type PlanInput,
  type RoutePlan,
  type SkippedNode,
  type VpcRouteFact,
} from "./plan.ts";

/** The stack output `routes`: node name → its route. */
export type RouteOutputs = Record<string, { cidr: string; instanceId: string; routeId?: string }>;

/** The program's stack outputs. */
export interface StackOutputs {
  /** Every route the stack manages: the nodes' own, those kept by nodes in trouble, and withheld deletes. */
  readonly routes: RouteOutputs;
  /** Node name → why it has no route of its own. */
  readonly skippedNodes: Record<string, string>;
  /** Nodes whose route the mass-deletion guard keeps although no node wants it any more. */
  readonly withheldDeletes: readonly string[];
}

/** Outputs as the Automation API returns them (`{ name: { value } }`); absent ones are empty. */
export function outputsOf(map: Readonly<Record<string, { value: unknown } | undefined>>): StackOutputs {
  return {
    routes: (map.routes?.value ?? {}) as RouteOutputs,
    skippedNodes: (map.skippedNodes?.value ?? {}) as Record<string, string>,
    withheldDeletes: (map.withheldDeletes?.value ?? []) as string[],
  };
}

/** The stack's routes as the planner's `current`. */
export function managedRoutes(routes: RouteOutputs): ManagedRoute[] {
  return Object.entries(routes).map(([nodeName, r]) => ({
    nodeName,
    destinationCidrBlock: r.cidr,
    instanceId: r.instanceId,
    ...(r.routeId ? { routeId: r.routeId } : {}),
  }));
}
