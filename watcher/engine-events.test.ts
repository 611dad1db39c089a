import type { EngineEvent, OpType } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { VPC_ROUTE_TYPE } from "../program/contract.ts";
import { resourceName, RouteEventTally } from "./engine-events.ts";

const urn = (name: string, type = VPC_ROUTE_TYPE) => `urn:pulumi:prod::ksyun-route::${type}::${name}`;
const step = (op: OpType, name: string, type = VPC_ROUTE_TYPE) =>
  ({ op, urn: urn(name, type), type, provider: "" }) as const;
const event = (e: Partial<EngineEvent>) => ({ sequence: 0, timestamp: 0, ...e }) as EngineEvent;

describe("RouteEventTally", () => {
  it("counts finished and failed route operations, ignoring unchanged routes and other resources", () => {
    const tally = new RouteEventTally();
    tally.add(event({ resOutputsEvent: { metadata: step("create", "route-a") } }));
    tally.add(event({ resOutputsEvent: { metadata: step("same", "route-b") } }));
    tally.add(event({ resOutputsEvent: { metadata: step("refresh", "route-b") } }));
    tally.add(event({ resOutputsEvent: { metadata: step("read", "previous", "pulumi:pulumi:StackReference") } }));
    tally.add(event({ resOpFailedEvent: { metadata: step("delete", "route-c"), status: 1, steps: 1 } }));
    expect(tally.operations).toEqual([
      { op: "create", ok: true },
      { op: "refresh", ok: true },
      { op: "delete", ok: false },
    ]);
    expect([...tally.failures]).toEqual([["route-c", "the operation failed"]]);
  });

  it("keeps the provider's error message of a failed route", () => {
    const tally = new RouteEventTally();
    tally.add(
      event({
        diagnosticEvent: { urn: urn("route-a"), severity: "error", color: "never", message: "RouteQuotaExceeded\n" },
      }),
    );
    tally.add(event({ resOpFailedEvent: { metadata: step("create", "route-a"), status: 1, steps: 1 } }));
    tally.add(event({ diagnosticEvent: { severity: "error", color: "never", message: "update failed" } }));
    expect([...tally.failures]).toEqual([["route-a", "RouteQuotaExceeded"]]);
  });
});

it("resourceName is the URN's last part", () => {
  expect(resourceName(urn("route-node-a"))).toBe("route-node-a");
});
