import { describe, expect, it } from "vitest";
import { describedNode, routeDescription } from "./names.ts";

describe("describedNode", () => {
  it.each([
    { description: routeDescription("c1", "node-1.example"), uuid: "c1", node: "node-1.example" },
    { description: routeDescription("c1", "node-1"), uuid: "c2", node: undefined },
    { description: routeDescription(undefined, "node-1"), uuid: undefined, node: undefined },
    { description: routeDescription("c1", "node-1"), uuid: undefined, node: undefined },
    { description: "ksyun-route c1 node ", uuid: "c1", node: undefined },
    { description: "made by hand", uuid: "c1", node: undefined },
    { description: undefined, uuid: "c1", node: undefined },
    // Cut at 128 characters: the node's name is not whole.
    { description: routeDescription("c1", "n".repeat(200)), uuid: "c1", node: undefined },
  ])("$description with clusterUuid $uuid → $node", ({ description, uuid, node }) => {
    expect(describedNode(uuid, description)).toBe(node);
  });
});
