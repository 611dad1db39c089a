// What the event path's states mean for each node, without I/O: the NetworkUnavailable condition (the gate the
// Kubernetes route controller keeps: True/NoRouteCreated until the node's route exists, then False/RouteCreated; the
// node lifecycle controller taints a node while it is True) and the Events that tell an operator
// (`kubectl describe node`) what happened to the node's route.
import type { V1Node, V1NodeCondition } from "@kubernetes/client-node";
import type { NodeRouteState } from "./route-sync.ts";

export const CONDITION_TYPE = "NetworkUnavailable";
const ROUTED = "RouteCreated";
const NOT_ROUTED = "NoRouteCreated";
const MAX_MESSAGE = 1024;

/** The condition's fields that carry meaning; times are set when written. */
export type RouteCondition = Pick<V1NodeCondition, "type" | "status" | "reason" | "message">;

function currentCondition(node: V1Node): V1NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
}

/**
 * The condition the node should carry, or undefined when it carries it already or it is not ours to write: a
 * node that wants no route, or whose condition Calico keeps (its reasons start with "Calico").
 */
export function wantedCondition(node: V1Node, state: NodeRouteState): RouteCondition | undefined {
  if (state.state === "none") return undefined;
  const current = currentCondition(node);
  if ((current?.reason ?? "").startsWith("Calico")) return undefined;
  const wanted: RouteCondition =
    state.state === "routed"
      ? {
          type: CONDITION_TYPE,
          status: "False",
          reason: ROUTED,
          message: `ksyun-route made VPC route ${state.routeId} (${state.destination} via instance ${state.instanceId})`,
        }
      : {
          type: CONDITION_TYPE,
          status: "True",
          reason: NOT_ROUTED,
          message: `ksyun-route made no VPC route yet: ${state.reason}`.slice(0, MAX_MESSAGE),
        };
  const same =
    current?.status === wanted.status && current.reason === wanted.reason && current.message === wanted.message;
  return same ? undefined : wanted;
}

/** The status patch for a condition (a strategic merge patch merges conditions by type). */
export function conditionPatch(node: V1Node, wanted: RouteCondition, now: Date) {
  const current = currentCondition(node);
  const transition = current?.status === wanted.status ? (current.lastTransitionTime ?? now) : now;
  return { status: { conditions: [{ ...wanted, lastHeartbeatTime: now, lastTransitionTime: transition }] } };
}

export interface NodeEvent {
  readonly node: string;
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

/**
 * Events for what changed between two passes' states: a route made (CreatedRoute), a node newly in trouble or in
 * trouble for a new reason (RouteSkipped). A node's first state after a leader starts counts as a change only for
 * trouble, so a new leader does not announce every existing route again.
 */
export function stateEvents(
  before: ReadonlyMap<string, NodeRouteState>,
  after: ReadonlyMap<string, NodeRouteState>,
): NodeEvent[] {
  const events: NodeEvent[] = [];
  for (const [node, state] of after) {
    const old = before.get(node);
    if (state.state === "routed" && old !== undefined && (old.state !== "routed" || old.routeId !== state.routeId)) {
      events.push({
        node,
        type: "Normal",
        reason: "CreatedRoute",
        message: `Created VPC route ${state.destination} via instance ${state.instanceId} (${state.routeId})`,
      });
    }
    if (state.state === "trouble" && !(old?.state === "trouble" && old.reason === state.reason)) {
      events.push({
        node,
        type: "Warning",
        reason: "RouteSkipped",
        message: `No route: ${state.reason}`.slice(0, MAX_MESSAGE),
      });
    }
  }
  return events;
}
