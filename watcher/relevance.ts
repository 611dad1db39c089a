// Which Node updates can change the route plan. Kubelet heartbeats rewrite status every few seconds; reacting to
// them would run Pulumi continuously, so only the fields the planner reads count.
import type { V1Node } from "@kubernetes/client-node";
import { EXCLUDE_LABELS, INSTANCE_ANNOTATIONS } from "../program/contract.ts";

/** The planner's inputs from one node (program/node-facts.ts), as a comparable value. */
function routingFields(node: V1Node): unknown[] {
  const meta = node.metadata ?? {};
  return [
    meta.uid,
    meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
    EXCLUDE_LABELS.map((key) => meta.labels?.[key] !== undefined),
    INSTANCE_ANNOTATIONS.map((key) => meta.annotations?.[key]),
    node.spec?.podCIDR,
    node.spec?.podCIDRs,
    node.spec?.providerID,
    // The planner's last-resort instance sources; they change only when a node is re-provisioned.
    node.status?.nodeInfo?.systemUUID,
    node.status?.addresses?.filter((a) => a.type === "InternalIP").map((a) => a.address),
  ];
}

export function routingRelevantChange(old: V1Node, updated: V1Node): boolean {
  return JSON.stringify(routingFields(old)) !== JSON.stringify(routingFields(updated));
}
