// The routes this stack managed after its last update, read from its own outputs (a self stack reference),
// so the planner can count what a run would delete before anything changes.
import * as pulumi from "@pulumi/pulumi";
import type { ManagedRoute } from "./plan.ts";

/** The stack output `routes`: node name → its route. */
export type RouteOutputs = Record<string, { cidr: string; instanceId: string; routeId?: string }>;

export async function previousRoutes(): Promise<ManagedRoute[]> {
  const self = new pulumi.StackReference("previous", {
    name: `organization/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const routes = (await self.getOutputDetails("routes")).value as RouteOutputs | undefined;
  return Object.entries(routes ?? {}).map(([nodeName, r]) => ({
    nodeName,
    destinationCidrBlock: r.cidr,
    instanceId: r.instanceId,
  }));
}
