// The provider's CRUD against the strict emulator over real HTTP (the engine is exercised in test/e2e).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { EmulatorControl } from "../../testenv/emulator-control.ts";
import * as runtime from "./runtime.ts";

const VPC = "2429a51f-acb2-4124-a5f7-81ec34951c9e";
const NODE_1 = "7c5e6b72-c0f4-449d-aff9-3f2eaf334f07";
const NODE_2 = "4e83defb-1a76-4eee-8fb9-44665e09081c";
const SEED = {
  credentials: [{ accessKeyId: "AKLTruntimeTest", secretAccessKey: "runtime-test-secret" }],
  routeQuota: 1000,
  vpcs: [{ vpcId: VPC, cidrBlock: "10.0.0.0/16", region: "cn-beijing-6" }],
  instances: [
    { instanceId: NODE_1, vpcId: VPC, privateIpAddress: "10.0.1.11" },
    { instanceId: NODE_2, vpcId: VPC, privateIpAddress: "10.0.1.12" },
  ],
};

let emulator: Emulator;
let control: EmulatorControl;

function configure(extra: Record<string, string> = {}): void {
  const config: Record<string, string> = {
    "ksyun-route:region": "cn-beijing-6",
    "ksyun-route:endpoint": emulator.url,
    "ksyun-route:accessKeyId": "AKLTruntimeTest",
    "ksyun-route:secretAccessKey": "runtime-test-secret",
    "ksyun-route:qps": "1000",
    ...extra,
  };
  runtime.configure({ config: { get: (key: string) => config[key], require: (key: string) => config[key]! } } as never);
}

const route = (cidr: string, instanceId = NODE_1) => ({ vpcId: VPC, destinationCidrBlock: cidr, instanceId });

beforeAll(async () => {
  emulator = await startEmulator({ seed: SEED });
  control = new EmulatorControl(emulator.url);
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await control.reset();
  configure();
});

describe("check", () => {
  it.each([
    [{ ...route("10.244.1.0/24"), vpcId: "vpc-1" }, "vpcId", /"vpc-1" is not a KSYun id/],
    [route("10.244.1.1/24"), "destinationCidrBlock", /"10.244.1.1\/24" is not canonical/],
    [route("10.244.1.0/33"), "destinationCidrBlock", /is not an IPv4 CIDR/],
    [route("10.244.1.0/24", "NODE"), "instanceId", /"NODE" is not a KSYun id/],
  ])("rejects %j naming %s", async (inputs, property, reason) => {
    const { failures } = await runtime.check({}, inputs);
    expect(failures).toEqual([{ property, reason: expect.stringMatching(reason) }]);
  });

  it("accepts valid inputs and values unknown during preview", async () => {
    expect((await runtime.check({}, route("10.244.1.0/24"))).failures).toEqual([]);
    expect((await runtime.check({}, { ...route("10.244.1.0/24"), instanceId: runtime_UNKNOWN })).failures).toEqual([]);
  });
});

const runtime_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("create", () => {
  it("creates a host route and reports its outputs", async () => {
    const result = await runtime.create(route("10.244.1.0/24"));
    expect(result.outs).toMatchObject({ routeId: result.id, nextHop: NODE_1, adopted: false });
    expect(await control.routes()).toEqual([expect.objectContaining({ routeId: result.id, instanceId: NODE_1 })]);
  });

  it("adopts an identical existing route without creating a second one", async () => {
    const existing = await control.addRoute({ ...route("10.244.2.0/24"), routeType: "Host" });
    await control.reset(true);
    const result = await runtime.create(route("10.244.2.0/24"));
    expect(result).toMatchObject({ id: existing.routeId, outs: { adopted: true } });
    expect((await control.stats()).calls.CreateRoute ?? 0).toBe(0);
    expect(await control.routes()).toHaveLength(1);
  });

  it("refuses a destination routed to another instance, naming that route and its next hop", async () => {
    const existing = await control.addRoute({ ...route("10.244.3.0/24", NODE_2), routeType: "Host" });
    await expect(runtime.create(route("10.244.3.0/24"))).rejects.toThrow(
      new RegExp(`already routed by ${existing.routeId} \\(Host, next hop ${NODE_2}\\)`),
    );
    expect(await control.routes()).toEqual([expect.objectContaining({ routeId: existing.routeId })]);
  });

  it("replaces the conflicting route when explicitly allowed", async () => {
    const existing = await control.addRoute({ ...route("10.244.4.0/24", NODE_2), routeType: "Host" });
    const result = await runtime.create({ ...route("10.244.4.0/24"), replaceConflicting: true });
    const routes = await control.routes();
    expect(routes).toEqual([expect.objectContaining({ routeId: result.id, instanceId: NODE_1 })]);
    expect(result.id).not.toBe(existing.routeId);
  });

  it("adopts a route created after its listing (duplicate destination on create)", async () => {
    await runtime.read("unknown", route("10.244.5.0/24")); // caches an empty listing
    const raced = await control.addRoute({ ...route("10.244.5.0/24"), routeType: "Host" });
    const result = await runtime.create(route("10.244.5.0/24"));
    expect(result.id).toBe(raced.routeId);
    expect(await control.routes()).toHaveLength(1);
  });
});

describe("read", () => {
  it("returns no id for a route deleted out of band", async () => {
    const { id } = await runtime.create(route("10.244.6.0/24"));
    await control.deleteRoute(id);
    configure(); // a new process: nothing cached
    expect(await runtime.read(id, route("10.244.6.0/24"))).toEqual({});
  });

  it("reports a next hop changed out of band, and diff then replaces", async () => {
    const { id, outs } = await runtime.create(route("10.244.7.0/24"));
    await control.setNextHop(id, NODE_2);
    configure();
    const read = await runtime.read(id, outs);
    expect(read.props).toMatchObject({ nextHop: NODE_2, instanceId: NODE_2 });
    expect(read.inputs).toMatchObject({ instanceId: NODE_2 });
    expect(await runtime.diff(id, read.props!, route("10.244.7.0/24"))).toMatchObject({
      changes: true,
      replaces: ["instanceId"],
      deleteBeforeReplace: true,
    });
  });

  // Offset paging under concurrent changes can skip rows; a cached listing made before the route stands in here.
  it("finds a route its listing does not hold by asking KSYun, before reporting it gone", async () => {
    await runtime.read("unknown", route("10.244.13.0/24")); // caches a listing without the route below
    const later = await control.addRoute({ ...route("10.244.13.0/24"), routeType: "Host" });
    const read = await runtime.read(later.routeId, route("10.244.13.0/24"));
    expect(read).toMatchObject({ id: later.routeId, props: { nextHop: NODE_1 } });
  });

  it("reads N routes of a VPC with one listing of ceil(N/page) calls", async () => {
    const created = await Promise.all(
      Array.from({ length: 250 }, (_, i) => runtime.create(route(`10.${100 + (i >> 8)}.${i & 255}.0/24`))),
    );
    configure();
    await control.reset(true);
    const reads = await Promise.all(created.map(({ id, outs }) => runtime.read(id, outs)));
    expect(reads.every((r) => r.id !== undefined)).toBe(true);
    expect((await control.stats()).calls.DescribeRoutes).toBe(Math.ceil(250 / 100));
  });
});

describe("diff", () => {
  const olds = { ...route("10.244.8.0/24"), nextHop: NODE_1, description: "node a", __provider: "p" };
  it.each([
    ["nothing changed", { ...route("10.244.8.0/24"), description: "node a", __provider: "p" }, false, []],
    [
      "destination",
      { ...route("10.244.9.0/24"), description: "node a", __provider: "p" },
      true,
      ["destinationCidrBlock"],
    ],
    ["instance", { ...route("10.244.8.0/24", NODE_2), description: "node a", __provider: "p" }, true, ["instanceId"]],
    // KSYun keeps the description a route was created with: nothing to change.
    ["description only", { ...route("10.244.8.0/24"), description: "node b", __provider: "p" }, false, []],
    [
      "provider text only (every text loads the same module)",
      { ...route("10.244.8.0/24"), description: "node a", __provider: "q" },
      false,
      [],
    ],
    [
      "unknown instance",
      { ...route("10.244.8.0/24", runtime_UNKNOWN), description: "node a", __provider: "p" },
      true,
      ["instanceId"],
    ],
  ])("%s", async (_name, news, changes, replaces) => {
    expect(await runtime.diff("r", olds, news)).toEqual({ changes, replaces, deleteBeforeReplace: true });
  });
});

describe("delete", () => {
  it("deletes our route and leaves others alone", async () => {
    const foreign = await control.addRoute({ ...route("10.244.10.0/24", NODE_2), routeType: "Host" });
    const ours = await runtime.create(route("10.244.11.0/24"));
    await runtime.remove(ours.id, ours.outs!);
    expect((await control.routes()).map((r) => r.routeId)).toEqual([foreign.routeId]);
  });

  it("deletes a route its listing does not hold", async () => {
    await runtime.read("unknown", route("10.244.14.0/24")); // caches a listing without the route below
    const later = await control.addRoute({ ...route("10.244.14.0/24"), routeType: "Host" });
    await runtime.remove(later.routeId, route("10.244.14.0/24"));
    expect(await control.routes()).toEqual([]);
  });

  it("treats a route already gone as deleted", async () => {
    const ours = await runtime.create(route("10.244.12.0/24"));
    await control.deleteRoute(ours.id);
    configure();
    await expect(runtime.remove(ours.id, ours.outs!)).resolves.toBeUndefined();
  });
});

describe("credentials", () => {
  it("fails with a clear error on a wrong secret, without the secret", async () => {
    configure({ "ksyun-route:secretAccessKey": "wrong-secret-value" });
    const error = await runtime.create(route("10.244.13.0/24")).catch((e: unknown) => e);
    expect(String(error)).toMatch(/SignatureDoesNotMatch/);
    expect(JSON.stringify(error) + String(error)).not.toContain("wrong-secret-value");
  });
});
