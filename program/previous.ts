// The routes this stack managed after its last update, read from its own outputs (a self stack reference),
// so the planner can count what a run would delete before anything changes.
import * as pulumi from "@pulumi/pulumi";
import { managedRoutes, type RouteOutputs } from "./contract.ts";
import type { ManagedRoute } from "./plan.ts";

export async function previousRoutes(): Promise<ManagedRoute[]> {
  const self = new pulumi.StackReference("previous", {
    name: `organization/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const routes = (await self.getOutputDetails("routes")).value as RouteOutputs | undefined;
  return managedRoutes(routes ?? {});
}
