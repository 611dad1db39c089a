import { describe, expect, it } from "vitest";
import { managedRoutes, outputsOf } from "./contract.ts";

describe("outputsOf", () => {
  it("reads routes, skippedNodes and withheldDeletes, empty when a stack has none yet", () => {
    const routes = { a: { cidr: "172.16.1.0/24", instanceId: "i", routeId: "r" } };
    expect(outputsOf({ routes: { value: routes }, withheldDeletes: { value: ["b"] } })).toEqual({
      routes,
      skippedNodes: {},
      withheldDeletes: ["b"],
    });
    expect(outputsOf({})).toEqual({ routes: {}, skippedNodes: {}, withheldDeletes: [] });
  });
});

describe("managedRoutes", () => {
  it("gives the planner's current routes, with the route id when the outputs have one", () => {
    const routes = {
      a: { cidr: "172.16.1.0/24", instanceId: "i", routeId: "r" },
      b: { cidr: "172.16.2.0/24", instanceId: "j" },
    };
    expect(managedRoutes(routes)).toEqual([
      { nodeName: "a", destinationCidrBlock: "172.16.1.0/24", instanceId: "i", routeId: "r" },
      { nodeName: "b", destinationCidrBlock: "172.16.2.0/24", instanceId: "j" },
    ]);
  });
});
