// Which Node updates can change the route plan. Kubelet heartbeats rewrite status every few seconds; reacting to
// them would plan continuously, so only what the planner reads counts (program/node-facts.ts routingView).
import type { V1Node } from "@kubernetes/client-node";
import { routingView } from "../program/contract.ts";

export function routingRelevantChange(old: V1Node, updated: V1Node): boolean {
  return JSON.stringify(routingView(old)) !== JSON.stringify(routingView(updated));
}
