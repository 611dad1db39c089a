import { describe, expect, it } from "vitest";
import { node } from "../program/testing.ts";
import { failureEvents, needsRouteCondition, routeCondition, routeEvents } from "./node-report.ts";

const withCondition = (status: string, reason: string) => {
  const n = node("n1");
  n.status!.conditions!.push({ type: "NetworkUnavailable", status, reason });
  return n;
};

describe("needsRouteCondition", () => {
  it.each([
    ["absent", node("n1"), true],
    ["ours already", withCondition("False", "RouteCreated"), false],
    ["False from someone else", withCondition("False", "NodeNetworkReady"), false],
    ["Calico's CalicoIsUp", withCondition("False", "CalicoIsUp"), false],
    ["Calico's CalicoIsDown (Calico's to clear)", withCondition("True", "CalicoIsDown"), false],
    ["True/NoRouteCreated (the original controller's failure mark)", withCondition("True", "NoRouteCreated"), true],
    ["Unknown", withCondition("Unknown", "NodeStatusUnknown"), true],
  ])("%s → %s", (_, n, needed) => expect(needsRouteCondition(n)).toBe(needed));

  it("routeCondition is False/RouteCreated, as the original controller wrote it", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(routeCondition(now)).toMatchObject({ type: "NetworkUnavailable", status: "False", reason: "RouteCreated" });
  });
});

describe("routeEvents", () => {
  const route = (cidr: string, routeId: string) => ({ cidr, instanceId: "i-1", routeId });
  it("reports new and changed routes and newly skipped nodes, nothing that stayed the same", () => {
    const previous = {
      routes: { same: route("172.16.1.0/24", "r1"), moved: route("172.16.2.0/24", "r2") },
      skippedNodes: { still: "no pod CIDR assigned yet", again: "no pod CIDR assigned yet" },
      withheldDeletes: [],
    };
    const current = {
      routes: {
        same: route("172.16.1.0/24", "r1"),
        moved: route("172.16.2.0/24", "r9"),
        fresh: route("172.16.3.0/24", "r3"),
      },
      skippedNodes: { still: "no pod CIDR assigned yet", again: "excluded by label service.ksyun.com/exclude-node" },
      withheldDeletes: [],
    };
    expect(routeEvents(previous, current)).toEqual([
      {
        node: "moved",
        type: "Normal",
        reason: "CreatedRoute",
        message: "Created VPC route 172.16.2.0/24 via instance i-1 (r9)",
      },
      {
        node: "fresh",
        type: "Normal",
        reason: "CreatedRoute",
        message: "Created VPC route 172.16.3.0/24 via instance i-1 (r3)",
      },
      {
        node: "again",
        type: "Warning",
        reason: "RouteSkipped",
        message: "No route: excluded by label service.ksyun.com/exclude-node",
      },
    ]);
  });
});

describe("failureEvents", () => {
  it("one Warning per node whose route failed", () => {
    const failures = new Map([["route-b", "RouteQuotaExceeded"]]);
    const names = new Map([
      ["a", "route-a"],
      ["b", "route-b"],
    ]);
    expect(failureEvents(failures, names)).toEqual([
      { node: "b", type: "Warning", reason: "CreateRouteFailed", message: "RouteQuotaExceeded" },
    ]);
  });
});
