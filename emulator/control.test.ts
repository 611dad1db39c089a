import { describe, expect, it } from "vitest";
import { handleControl, isLoopback } from "./control.ts";
import { Faults } from "./faults.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { Stats } from "./stats.ts";
import { Store } from "./store.ts";
import type { TestEmulator } from "./test-support/fixture.ts";
import { emulator, NODE1, NODE2, testSeed, VPC } from "./test-support/fixture.ts";

const V = { Version: "2016-03-04" };
const DESCRIBE_VPCS = { Action: "DescribeVpcs", ...V };
const FOREIGN = "11111111-2222-4333-8444-555555555555";

function createHost(emu: TestEmulator, cidr: string) {
  return emu.call({
    Action: "CreateRoute",
    ...V,
    VpcId: VPC,
    RouteType: "Host",
    DestinationCidrBlock: cidr,
    InstanceId: NODE1,
  });
}

async function hops(emu: TestEmulator): Promise<string[]> {
  const result = await emu.call({ Action: "DescribeRoutes", ...V });
  return result.body.RouteSet.map((r: { NextHopSet: Array<{ GatewayId: string }> }) => r.NextHopSet[0]?.GatewayId);
}

describe("control API: routes and instances", () => {
  it("lists all routes and seeds a foreign route out of band", async () => {
    const emu = await emulator();
    await createHost(emu, "10.244.1.0/24");
    const foreign = await emu.control("POST", "routes", {
      vpcId: VPC,
      destinationCidrBlock: "192.168.0.0/24",
      routeType: "Host",
      instanceId: FOREIGN,
    });
    expect(foreign.status).toBe(201);
    const listed = await emu.control("GET", "routes");
    expect(listed.body.routes.map((r: { destinationCidrBlock: string }) => r.destinationCidrBlock)).toEqual([
      "10.244.1.0/24",
      "192.168.0.0/24",
    ]);
    expect(await hops(emu)).toEqual([NODE1, FOREIGN]);
    const one = await emu.control("GET", `routes?destination=${encodeURIComponent("192.168.0.0/24")}`);
    expect(one.body.routes.map((r: { instanceId: string }) => r.instanceId)).toEqual([FOREIGN]);
    expect((await emu.control("GET", "routes?destination=10.9.9.0/24")).body.routes).toEqual([]);
  });

  it("rejects out-of-band routes that break invariants, naming the field", async () => {
    const emu = await emulator();
    const route = { vpcId: VPC, destinationCidrBlock: "10.244.1.0/24", routeType: "Host", instanceId: NODE1 };
    expect((await emu.control("POST", "routes", route)).status).toBe(201);
    const duplicate = await emu.control("POST", "routes", { ...route, routeId: FOREIGN });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error).toContain("10.244.1.0/24");
    const badCidr = await emu.control("POST", "routes", { ...route, destinationCidrBlock: "10.244.1.1/24" });
    expect(badCidr.body.error).toMatch(/^route\.destinationCidrBlock:/);
  });

  it("deletes a route out of band", async () => {
    const emu = await emulator();
    const id = (await createHost(emu, "10.244.1.0/24")).body.RouteId;
    expect((await emu.control("DELETE", `routes/${id}`)).status).toBe(204);
    expect(await hops(emu)).toEqual([]);
    expect((await emu.control("DELETE", `routes/${id}`)).status).toBe(404);
  });

  it("changes a next hop out of band, keeping id and order", async () => {
    const emu = await emulator();
    const first = (await createHost(emu, "10.244.1.0/24")).body.RouteId;
    await createHost(emu, "10.244.2.0/24");
    const patched = await emu.control("PATCH", `routes/${first}`, { instanceId: NODE2 });
    expect(patched.status).toBe(200);
    expect(patched.body.routeId).toBe(first);
    expect(await hops(emu)).toEqual([NODE2, NODE1]);
    expect((await emu.control("PATCH", `routes/${FOREIGN}`, { instanceId: NODE2 })).status).toBe(404);
    expect((await emu.control("PATCH", `routes/${first}`, { instanceId: "node-2" })).status).toBe(400);
  });

  it("adds instances that DescribeInstances then finds", async () => {
    const emu = await emulator();
    const instance = { instanceId: FOREIGN, vpcId: VPC, privateIpAddress: "10.0.9.9", instanceName: "late-node" };
    expect((await emu.control("POST", "instances", { instances: [instance] })).status).toBe(201);
    const found = await emu.call(
      { Action: "DescribeInstances", ...V, "Filter.1.Name": "private-ip-address", "Filter.1.Value.1": "10.0.9.9" },
      { service: "kec" },
    );
    expect(found.body.InstancesSet[0].InstanceName).toBe("late-node");
    const outside = await emu.control("POST", "instances", {
      instances: [{ ...instance, privateIpAddress: "10.9.0.1" }],
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error).toMatch(/^body\.instances\[0\]/);
  });

  it("answers unknown endpoints with 404", async () => {
    const emu = await emulator();
    expect((await emu.control("GET", "nothing")).status).toBe(404);
    expect((await emu.control("PUT", "routes")).status).toBe(404);
  });
});

describe("control API: faults, QPS, stats, reset", () => {
  it("throttles a burst of N calls deterministically and counts calls, errors and faults", async () => {
    const emu = await emulator();
    await emu.control("POST", "faults", { DescribeVpcs: { throttleBurst: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await emu.call(DESCRIBE_VPCS)).body.Error?.Code ?? "ok");
    expect(statuses).toEqual(["Throttling", "Throttling", "ok"]);
    expect((await emu.call({ Action: "DescribeRoutes", ...V })).status).toBe(200);
    const stats = await emu.control("GET", "stats");
    expect(stats.body).toEqual({
      calls: { DescribeVpcs: 3, DescribeRoutes: 1 },
      errors: { DescribeVpcs: { Throttling: 2 } },
      faultsInjected: { DescribeVpcs: { throttle: 2 } },
    });
  });

  it("injects 5xx errors (INTERNAL_FAILURE or ServiceUnavailable) via '*'", async () => {
    const emu = await emulator();
    await emu.control("POST", "faults", { "*": { error5xxRate: 1 } });
    const result = await emu.call(DESCRIBE_VPCS);
    expect([500, 503]).toContain(result.status);
    expect(["INTERNAL_FAILURE", "ServiceUnavailable"]).toContain(result.body.Error.Code);
    expect(result.body.Error.Type).toBe("Receiver");
  });

  it("repeats the same fault sequence for the same seed", async () => {
    const emu = await emulator();
    const run = async () => {
      await emu.control("POST", "faults", { seed: 42, "*": { error5xxRate: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await emu.call(DESCRIBE_VPCS)).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(200);
    expect(first.some((s) => s >= 500)).toBe(true);
    expect(await run()).toEqual(first);
  });

  it("resets the connection after the action ran (lost response)", async () => {
    const emu = await emulator();
    await emu.control("POST", "faults", { CreateRoute: { resetRate: 1 } });
    await expect(createHost(emu, "10.244.1.0/24")).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(emu.state.routes().map((r) => r.destinationCidrBlock)).toEqual(["10.244.1.0/24"]);
    const stats = await emu.control("GET", "stats");
    expect(stats.body.faultsInjected).toEqual({ CreateRoute: { reset: 1 } });
  });

  it("adds fault latency on top of the base latency", async () => {
    const emu = await emulator({ latencyMs: 150 });
    await emu.control("POST", "faults", { DescribeVpcs: { latencyMs: 300 } });
    const started = performance.now();
    expect((await emu.call(DESCRIBE_VPCS)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(440);
    expect((await emu.control("GET", "stats")).body.faultsInjected).toEqual({ DescribeVpcs: { latency: 1 } });
  });

  it("rejects invalid fault configurations", async () => {
    const emu = await emulator();
    expect((await emu.control("POST", "faults", { "*": { error5xxRate: 1.5 } })).status).toBe(400);
    expect((await emu.control("POST", "faults", { "*": { explode: true } })).status).toBe(400);
    expect((await emu.control("POST", "faults", { "describe-vpcs": {} })).status).toBe(400);
  });

  it("throttles above the configured QPS per access key and action, and stops when unset", async () => {
    const emu = await emulator();
    await emu.control("POST", "qps", { qps: 2 });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await emu.call(DESCRIBE_VPCS)).body.Error?.Code ?? "ok");
    expect(codes.slice(0, 2)).toEqual(["ok", "ok"]);
    expect(codes).toContain("Throttling");
    await emu.control("POST", "qps", { qps: null });
    for (let i = 0; i < 5; i++) expect((await emu.call(DESCRIBE_VPCS)).status).toBe(200);
  });

  it("takes the QPS limit from the seed", async () => {
    const emu = await emulator({ seed: testSeed({ qps: 1 }) });
    expect((await emu.call(DESCRIBE_VPCS)).status).toBe(200);
    expect((await emu.call(DESCRIBE_VPCS)).body.Error.Code).toBe("Throttling");
  });

  it("resets to the seed, or only the stats", async () => {
    const emu = await emulator({
      seed: testSeed({ routes: [{ vpcId: VPC, destinationCidrBlock: "0.0.0.0/0", routeType: "InternetGateway" }] }),
    });
    const seededIds = emu.state.routes().map((r) => r.routeId);
    await createHost(emu, "10.244.1.0/24");
    await emu.control("POST", "faults", { "*": { latencyMs: 1 } });
    expect((await emu.control("POST", "reset", { statsOnly: true })).status).toBe(200);
    expect((await emu.control("GET", "stats")).body).toEqual({ calls: {}, errors: {}, faultsInjected: {} });
    expect(emu.state.routes().length).toBe(2);
    await emu.call(DESCRIBE_VPCS);
    await emu.control("POST", "reset");
    expect(emu.state.routes().map((r) => r.routeId)).toEqual(seededIds);
    expect((await emu.control("GET", "stats")).body.calls).toEqual({});
    await emu.call(DESCRIBE_VPCS);
    expect((await emu.control("GET", "stats")).body.faultsInjected).toEqual({});
  });
});

describe("control API: credentials", () => {
  const ROTATED = { accessKeyId: "AKLTrotated0002", secretAccessKey: "rotated-secret-0002" };

  it("rotates the access keys: the old one is refused, the new one signs, reset restores the seed", async () => {
    const emu = await emulator();
    expect((await emu.control("PUT", "credentials", { credentials: [ROTATED] })).status).toBe(200);
    const refused = await emu.call(DESCRIBE_VPCS);
    expect(refused.status).toBe(403);
    expect(refused.body.Error.Code).toBe("InvalidAccessKeyId");
    expect((await emu.call(DESCRIBE_VPCS, { key: ROTATED })).status).toBe(200);
    await emu.control("POST", "reset");
    expect((await emu.call(DESCRIBE_VPCS)).status).toBe(200);
    expect((await emu.call(DESCRIBE_VPCS, { key: ROTATED })).status).toBe(403);
  });

  it.each([
    ["no key at all", []],
    ["a duplicate accessKeyId", [ROTATED, ROTATED]],
    ["a key without its secret", [{ accessKeyId: "AKLTx" }]],
  ])("refuses %s and keeps the keys it had", async (_name, credentials) => {
    const emu = await emulator();
    const answer = await emu.control("PUT", "credentials", { credentials });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/body\.credentials/);
    expect((await emu.call(DESCRIBE_VPCS)).status).toBe(200);
  });
});

describe("control API: loopback only", () => {
  const deps = {
    store: new Store([]),
    stats: new Stats(),
    faults: new Faults(1),
    limiter: new RateLimiter(undefined),
    setCredentials: () => {},
    reset: () => {},
  };

  it("recognises loopback peers", () => {
    for (const address of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
      expect(isLoopback(address)).toBe(true);
    for (const address of ["10.0.0.5", "::ffff:10.0.0.5", "fe80::1", "128.0.0.1", undefined]) {
      expect(isLoopback(address)).toBe(false);
    }
  });

  it("refuses other peers before doing anything", () => {
    const refused = handleControl("POST", "/_emulator/reset", Buffer.alloc(0), "192.168.1.20", {
      ...deps,
      reset: () => expect.unreachable("reset must not run"),
    });
    expect(refused.status).toBe(403);
    expect(handleControl("GET", "/_emulator/stats", Buffer.alloc(0), "::ffff:127.0.0.1", deps).status).toBe(200);
  });
});
