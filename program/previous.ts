// What this stack managed after its last update, read from its own outputs (a self stack reference), so the
// planner can count what a run would delete before anything changes, and keep withheld deletes withheld.
import * as pulumi from "@pulumi/pulumi";
import { managedRoutes, type RouteOutputs } from "./contract.ts";
import type { ManagedRoute } from "./plan.ts";

export async function previousOutputs(): Promise<{ routes: ManagedRoute[]; withheld: Set<string> }> {
  const self = new pulumi.StackReference("previous", {
    name: `organization/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const [routes, withheld] = await Promise.all([
    self.getOutputDetails("routes"),
    self.getOutputDetails("withheldDeletes"),
  ]);
  return {
    routes: managedRoutes((routes.value as RouteOutputs | undefined) ?? {}),
    withheld: new Set((withheld.value as string[] | undefined) ?? []),
  };
}
