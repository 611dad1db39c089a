// What a run means for each node, without I/O: the NetworkUnavailable condition a routed node should carry, and the
// Events that tell an operator (`kubectl describe node`) which routes were created, skipped or failed.
import type { V1Node, V1NodeCondition } from "@kubernetes/client-node";
import type { StackOutputs } from "../program/contract.ts";

export const CONDITION_TYPE = "NetworkUnavailable";
export const CONDITION_REASON = "RouteCreated";

/** Set when absent or reporting a problem of its own; Calico's conditions (reasons Calico*) are its to manage. */
export function needsRouteCondition(node: V1Node): boolean {
  const current = node.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
  if (!current) return true;
  return current.status !== "False" && !(current.reason ?? "").startsWith("Calico");
}

export function routeCondition(now: Date): V1NodeCondition {
  return {
    type: CONDITION_TYPE,
    status: "False",
    reason: CONDITION_REASON,
    message: "ksyun-route created a VPC route for the node's pod CIDR",
    lastTransitionTime: now,
    lastHeartbeatTime: now,
  };
}

export interface NodeEvent {
  readonly node: string;
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

/** Routes that are new or different since the previous outputs, and nodes newly skipped or skipped for a new reason. */
export function routeEvents(previous: StackOutputs, current: StackOutputs): NodeEvent[] {
  const created = Object.entries(current.routes)
    .filter(([node, r]) => {
      const before = previous.routes[node];
      return !before || before.routeId !== r.routeId || before.cidr !== r.cidr || before.instanceId !== r.instanceId;
    })
    .map(([node, r]) => ({
      node,
      type: "Normal" as const,
      reason: "CreatedRoute",
      message: `Created VPC route ${r.cidr} via instance ${r.instanceId}${r.routeId ? ` (${r.routeId})` : ""}`,
    }));
  const skipped = Object.entries(current.skippedNodes)
    .filter(([node, reason]) => previous.skippedNodes[node] !== reason)
    .map(([node, reason]) => ({
      node,
      type: "Warning" as const,
      reason: "RouteSkipped",
      message: `No route: ${reason}`,
    }));
  return [...created, ...skipped];
}

/** One Warning per node whose route operation failed; `resourceNames` maps node names to their route's name. */
export function failureEvents(failures: ReadonlyMap<string, string>, resourceNames: ReadonlyMap<string, string>) {
  const events: NodeEvent[] = [];
  for (const [node, resource] of resourceNames) {
    const error = failures.get(resource);
    if (error !== undefined) {
      events.push({ node, type: "Warning", reason: "CreateRouteFailed", message: error.slice(0, 1024) });
    }
  }
  return events;
}
