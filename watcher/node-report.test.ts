import { describe, expect, it } from "vitest";
import { node } from "../program/testing.ts";
import { conditionPatch, stateEvents, wantedCondition } from "./node-report.ts";
import type { NodeRouteState } from "./route-sync.ts";

const withCondition = (status: string, reason: string, message = "") => {
  const n = node("n1");
  n.status!.conditions!.push({ type: "NetworkUnavailable", status, reason, message });
  return n;
};
const routed: NodeRouteState = { state: "routed", destination: "172.16.1.0/24", routeId: "r1", instanceId: "i-1" };
const trouble: NodeRouteState = { state: "trouble", reason: 'pod CIDR 172.16.1.0/24 overlaps node "a"\'s' };
const pending: NodeRouteState = { state: "pending", reason: "its route is being made" };
const none: NodeRouteState = { state: "none", reason: "excluded by label service.ksyun.com/exclude-node" };

describe("wantedCondition", () => {
  it.each([
    ["routed, no condition yet", node("n1"), routed, { status: "False", reason: "RouteCreated" }],
    [
      "in trouble: True/NoRouteCreated with the reason",
      node("n1"),
      trouble,
      { status: "True", reason: "NoRouteCreated" },
    ],
    ["pending: True/NoRouteCreated", node("n1"), pending, { status: "True", reason: "NoRouteCreated" }],
    [
      "routed over the original controller's failure mark",
      withCondition("True", "NoRouteCreated"),
      routed,
      { status: "False" },
    ],
    [
      "routed over someone else's False",
      withCondition("False", "NodeNetworkReady"),
      routed,
      { reason: "RouteCreated" },
    ],
  ])("%s", (_, n, state, want) => {
    expect(wantedCondition(n, state)).toMatchObject({ type: "NetworkUnavailable", ...want });
  });

  it("names the reason and the route in the message", () => {
    expect(wantedCondition(node("n1"), trouble)?.message).toBe(`ksyun-route made no VPC route yet: ${trouble.reason}`);
    expect(wantedCondition(node("n1"), routed)?.message).toMatch(/VPC route r1 \(172\.16\.1\.0\/24 via instance i-1\)/);
  });

  it.each([
    ["a node that wants no route", node("n1"), none],
    ["Calico's condition (CalicoIsUp)", withCondition("False", "CalicoIsUp"), trouble],
    ["Calico's condition (CalicoIsDown)", withCondition("True", "CalicoIsDown"), routed],
  ])("leaves alone %s", (_, n, state) => expect(wantedCondition(n, state)).toBeUndefined());

  it("writes nothing when the node already carries it", () => {
    const n = withCondition("False", "RouteCreated", wantedCondition(node("n1"), routed)!.message!);
    expect(wantedCondition(n, routed)).toBeUndefined();
  });
});

describe("conditionPatch", () => {
  const now = new Date("2026-01-02T00:00:00Z");
  it("keeps the transition time while the status stays, and moves it when the status changes", () => {
    const n = withCondition("True", "NoRouteCreated", "old");
    n.status!.conditions!.at(-1)!.lastTransitionTime = new Date("2026-01-01T00:00:00Z");
    const same = conditionPatch(
      n,
      { type: "NetworkUnavailable", status: "True", reason: "NoRouteCreated", message: "new" },
      now,
    );
    expect(same.status.conditions[0]!.lastTransitionTime).toEqual(new Date("2026-01-01T00:00:00Z"));
    const flipped = conditionPatch(n, wantedCondition(n, routed)!, now);
    expect(flipped.status.conditions[0]).toMatchObject({
      status: "False",
      lastTransitionTime: now,
      lastHeartbeatTime: now,
    });
  });
});

describe("stateEvents", () => {
  it("a route made, and a node newly in trouble or in trouble for a new reason; nothing that stayed", () => {
    const before = new Map<string, NodeRouteState>([
      ["made", pending],
      ["same", routed],
      ["worse", trouble],
      ["still", trouble],
    ]);
    const after = new Map<string, NodeRouteState>([
      ["made", routed],
      ["same", routed],
      ["worse", { state: "trouble", reason: "shares KEC instance i-1" }],
      ["still", trouble],
      ["fresh", trouble],
      ["quiet", routed],
    ]);
    expect(stateEvents(before, after)).toEqual([
      {
        node: "made",
        type: "Normal",
        reason: "CreatedRoute",
        message: "Created VPC route 172.16.1.0/24 via instance i-1 (r1)",
      },
      { node: "worse", type: "Warning", reason: "RouteSkipped", message: "No route: shares KEC instance i-1" },
      { node: "fresh", type: "Warning", reason: "RouteSkipped", message: `No route: ${trouble.reason}` },
    ]);
  });
});
