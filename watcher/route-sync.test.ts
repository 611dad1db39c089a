// The event path over a fake KSYun and an in-memory ledger, as the Kubernetes route controller's TestReconcile:
// initial routes, nodes, the expected route table and the expected calls.
import type { V1Node } from "@kubernetes/client-node";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Route } from "@ksyun-route/provider/client";
import { KsyunApiError } from "@ksyun-route/provider/client";
import { FakeCloud } from "@ksyun-route/provider/test-support/fake-cloud.ts";
import { describedNode, routeDescription, type RouteOutputs } from "../program/contract.ts";
import { id, node } from "../program/testing.ts";
import { Ledger, type ConfigMapStore } from "./ledger.ts";
import { RouteSync, type PassReport, type PlanSettings } from "./route-sync.ts";

const cidr = (n: number) => `172.16.${n}.0/24`;
const nd = (name: string, n: number, i = n, extra: Parameters<typeof node>[1] = {}): V1Node =>
  node(name, { cidrs: [cidr(n)], annotations: { "kce.sdns.ksyun.com/instanceId": id(i) }, ...extra });
const host = (routeId: string, n: number, i = n) => FakeCloud.host(routeId, cidr(n), id(i));
const out = (routes: Record<string, [number, number, string]>): RouteOutputs =>
  Object.fromEntries(
    Object.entries(routes).map(([name, [n, i, routeId]]) => [name, { cidr: cidr(n), instanceId: id(i), routeId }]),
  );
const hop = (n: number, i = n) => `${cidr(n)} ${id(i)}`;
const stackOutputs = (routes: RouteOutputs, withheldDeletes: string[] = []) => ({
  routes,
  skippedNodes: {},
  withheldDeletes,
});

interface Setup {
  readonly nodes: V1Node[];
  readonly vpc?: Route[];
  readonly outputs?: RouteOutputs;
  /** The last run's withheldDeletes output. */
  readonly withheld?: string[];
  readonly ledger?: Record<string, string>;
  readonly instances?: number[];
  readonly settings?: Partial<PlanSettings>;
}

async function harness(setup: Setup) {
  const nodes = [...setup.nodes];
  const cloud = new FakeCloud({
    routes: setup.vpc,
    ...(setup.instances && { instances: setup.instances.map((i) => id(i)) }),
  });
  /** Ledger writes and KSYun calls in the order they happened. */
  const order: string[] = [];
  const data: Record<string, string> = { ...setup.ledger };
  const store: ConfigMapStore = {
    read: async () => ({ ...data }),
    create: async () => {},
    patch: async (changes) => {
      for (const [key, value] of Object.entries(changes)) {
        order.push(`ledger ${value === null ? "-" : "+"}${key}${value && JSON.parse(value).routeId ? " id" : ""}`);
        if (value === null) delete data[key];
        else data[key] = value;
      }
    },
  };
  const create = cloud.create.bind(cloud);
  cloud.create = async (input) => {
    order.push(`create ${input.destinationCidrBlock}`);
    return create(input);
  };
  const ledger = new Ledger(store);
  const entries = await ledger.load();
  const reports: PassReport[] = [];
  const errors: unknown[] = [];
  const sync = new RouteSync({
    cloud,
    vpcId: "vpc",
    ledger,
    lookups: { vpcInstanceIds: async () => new Set(), byPrivateIp: async () => new Map() },
    nodes: () => nodes,
    description: (n) => routeDescription("c1", n),
    describedNode: (d) => describedNode("c1", d),
    onPass: (r) => reports.push(r),
    onCall: () => {},
    onError: (e) => errors.push(e),
    retryDelay: () => 5,
  });
  const settings = { podCidr: "172.16.0.0/16", ...setup.settings };
  // The leader's listing at start; the rows below count the calls from there on.
  const listing = await cloud.list("vpc");
  cloud.calls.length = 0;
  sync.start(settings, stackOutputs(setup.outputs ?? {}, setup.withheld), listing, entries);
  const settle = async () => {
    for (let quiet = 0; quiet < 3;) {
      await sync.idle();
      await delay(10);
      quiet = (await Promise.race([sync.idle().then(() => true), delay(0).then(() => false)])) ? quiet + 1 : 0;
    }
    await ledger.written();
  };
  await settle();
  return {
    cloud,
    sync,
    nodes,
    data,
    order,
    errors,
    settle,
    last: () => reports.at(-1)!,
    state: (name: string) => reports.at(-1)!.states.get(name),
  };
}

describe("RouteSync: one pass per node change, one KSYun call per route", () => {
  it("a joining node: its intent in the ledger, then exactly one CreateRoute, then the route id", async () => {
    const h = await harness({ nodes: [] });
    h.nodes.push(nd("a", 1));
    h.sync.trigger();
    await h.settle();
    expect(h.cloud.calls).toEqual([`create ${cidr(1)} ${id(1)}`]);
    expect(h.order).toEqual(["ledger +172.16.1.0_24", `create ${cidr(1)}`, "ledger +172.16.1.0_24 id"]);
    expect(h.cloud.table()).toEqual([hop(1)]);
    expect(h.state("a")).toMatchObject({ state: "routed", destination: cidr(1) });
    expect(h.sync.handoff()).toEqual({
      vpcId: "vpc",
      created: [{ routeId: "new-1", destinationCidrBlock: cidr(1), instanceId: id(1) }],
      deleted: [],
      trouble: {},
    });
  });

  it("a deleted node: one DeleteRoute by its recorded RouteId; the run is told it is gone", async () => {
    const h = await harness({
      nodes: [nd("a", 1), nd("b", 2)],
      vpc: [host("ra", 1), host("rb", 2)],
      outputs: out({ a: [1, 1, "ra"], b: [2, 2, "rb"] }),
    });
    h.nodes.splice(1, 1);
    h.sync.trigger();
    await h.settle();
    expect(h.cloud.calls).toEqual(["delete rb"]);
    expect(h.cloud.table()).toEqual([hop(1)]);
    expect(h.sync.handoff().deleted).toEqual(["rb"]);
  });

  it("an unchanged cluster makes no call at all", async () => {
    const h = await harness({ nodes: [nd("a", 1)], vpc: [host("ra", 1)], outputs: out({ a: [1, 1, "ra"] }) });
    h.sync.trigger();
    await h.settle();
    expect(h.cloud.calls).toEqual([]);
    expect(h.state("a")).toMatchObject({ state: "routed", routeId: "ra" });
  });

  it("an identical route already in the VPC (the original controller's) is adopted: ledger, no CreateRoute", async () => {
    const h = await harness({ nodes: [nd("a", 1)], vpc: [host("old", 1)] });
    expect(h.cloud.calls).toEqual([]);
    expect(h.order).toEqual(["ledger +172.16.1.0_24 id"]);
    expect(h.sync.handoff().created).toEqual([{ routeId: "old", destinationCidrBlock: cidr(1), instanceId: id(1) }]);
  });

  it("a CIDR change: the old route goes, then the new one's intent and create", async () => {
    const h = await harness({ nodes: [nd("a", 1)], vpc: [host("ra", 1)], outputs: out({ a: [1, 1, "ra"] }) });
    h.nodes[0] = nd("a", 5, 1);
    h.sync.trigger();
    await h.settle();
    expect(h.cloud.calls).toEqual(["delete ra", `create ${cidr(5)} ${id(1)}`]);
    expect(h.cloud.table()).toEqual([hop(5, 1)]);
  });
});

describe("RouteSync: one node's trouble stays its own", () => {
  it("an overlapping newcomer and one on a taken instance get no call; three normal joins are routed", async () => {
    const h = await harness({
      nodes: [nd("a", 1), nd("b", 2)],
      vpc: [host("ra", 1), host("rb", 2)],
      outputs: out({ a: [1, 1, "ra"], b: [2, 2, "rb"] }),
    });
    h.nodes.push(nd("overlap", 1, 9), nd("shared", 3, 2), nd("c", 4), nd("d", 5), nd("e", 6));
    h.sync.trigger();
    await h.settle();
    expect(h.cloud.calls.sort()).toEqual([
      `create ${cidr(4)} ${id(4)}`,
      `create ${cidr(5)} ${id(5)}`,
      `create ${cidr(6)} ${id(6)}`,
    ]);
    expect(h.cloud.table()).toEqual([hop(1), hop(2), hop(4), hop(5), hop(6)]);
    expect(h.state("overlap")).toMatchObject({
      state: "trouble",
      reason: expect.stringContaining(`overlaps node "a"'s`),
    });
    expect(h.state("shared")).toMatchObject({
      state: "trouble",
      reason: expect.stringContaining(`shares KEC instance ${id(2)}`),
    });
  });

  it("a destination held by another route: no call, that node is in trouble naming the route", async () => {
    const h = await harness({ nodes: [nd("a", 1), nd("b", 2)], vpc: [host("foreign", 1, 9)] });
    expect(h.cloud.calls).toEqual([`create ${cidr(2)} ${id(2)}`]);
    expect(h.state("a")).toMatchObject({ state: "trouble", reason: expect.stringContaining("held by route foreign") });
    expect(h.state("b")).toMatchObject({ state: "routed" });
  });

  it("an instance KSYun does not know: its intent is dropped, the node is in trouble, the run is told", async () => {
    const h = await harness({ nodes: [nd("a", 1), nd("b", 2)], instances: [2] });
    expect(h.cloud.table()).toEqual([hop(2)]);
    expect(h.data).toEqual({ "172.16.2.0_24": expect.stringContaining('"routeId":"new-1"') });
    expect(h.state("a")).toMatchObject({
      state: "trouble",
      reason: expect.stringContaining("was refused by KSYun: InstanceNotFound"),
    });
    expect(h.sync.handoff().trouble).toEqual({});
  });

  it("a full quota: that node's trouble until it changes or the next listing, handed to the run", async () => {
    const h = await harness({ nodes: [nd("a", 1)] });
    h.cloud.failNext.create = [
      new KsyunApiError({ action: "CreateRoute", code: "QuotaExceeded", serverMessage: "full", httpStatus: 400 }),
    ];
    h.nodes.push(nd("b", 2));
    h.sync.trigger();
    await h.settle();
    expect(h.state("b")).toMatchObject({ state: "trouble", reason: expect.stringContaining("QuotaExceeded") });
    expect(h.sync.handoff().trouble).toEqual({ b: expect.stringContaining("QuotaExceeded") });
    h.sync.relisted(await h.cloud.list("vpc"));
    await h.settle();
    expect(h.cloud.table()).toEqual([hop(1), hop(2)]);
  });

  it("a route made meanwhile (duplicate destination on create) is adopted when identical", async () => {
    const h = await harness({ nodes: [] });
    h.cloud.routes.set("raced", host("raced", 1));
    h.nodes.push(nd("a", 1));
    h.sync.trigger();
    await h.settle();
    expect(h.cloud.calls).toEqual([`create ${cidr(1)} ${id(1)}`, `list ${cidr(1)}`]);
    expect(h.sync.handoff().created).toEqual([{ routeId: "raced", destinationCidrBlock: cidr(1), instanceId: id(1) }]);
  });

  it("a transient failure keeps the intent and is retried", async () => {
    const h = await harness({ nodes: [] });
    h.cloud.failNext.create = [
      new KsyunApiError({ action: "CreateRoute", code: "ServiceUnavailable", serverMessage: "busy", httpStatus: 503 }),
    ];
    h.nodes.push(nd("a", 1));
    h.sync.trigger();
    await h.settle();
    await delay(20);
    await h.settle();
    expect(h.cloud.table()).toEqual([hop(1)]);
    expect(h.errors).toHaveLength(1);
  });
});

describe("RouteSync: the deletion budget", () => {
  const ten = Array.from({ length: 10 }, (_, k) => k + 1);
  const cluster = {
    vpc: ten.map((n) => host(`r${n}`, n)),
    outputs: out(Object.fromEntries(ten.map((n) => [`n${n}`, [n, n, `r${n}`] as [number, number, string]]))),
  };

  it("deletes within max(3, 10 %) at once", async () => {
    const h = await harness({ nodes: ten.slice(3).map((n) => nd(`n${n}`, n)), ...cluster });
    expect(h.cloud.calls.sort()).toEqual(["delete r1", "delete r2", "delete r3"]);
  });

  it("withholds every delete past it, while a join proceeds; allowMassDeletion completes them", async () => {
    const h = await harness({ nodes: [...ten.slice(4).map((n) => nd(`n${n}`, n)), nd("new", 50)], ...cluster });
    expect(h.cloud.calls).toEqual([`create ${cidr(50)} ${id(50)}`]);
    expect(h.last().plan.withheld).toEqual(["n1", "n2", "n3", "n4"]);
    h.sync.configure({ podCidr: "172.16.0.0/16", allowMassDeletion: true });
    await h.settle();
    expect(h.cloud.table()).toEqual([...ten.slice(4).map((n) => hop(n)), hop(50)].sort());
  });
});

describe("RouteSync: withheld deletes stay withheld", () => {
  it("deletes a run withheld are not made later in budget-sized pieces", async () => {
    const h = await harness({
      nodes: [nd("a", 1)],
      vpc: [host("ra", 1), host("rb", 2), host("rc", 3)],
      outputs: out({ a: [1, 1, "ra"], b: [2, 2, "rb"], c: [3, 3, "rc"] }),
      withheld: ["b", "c"],
      settings: { maxRouteDeletes: 5 },
    });
    expect(h.cloud.table()).toEqual([hop(1), hop(2), hop(3)]);
    expect(h.last().plan.withheld).toEqual(["b", "c"]);
  });
});

describe("RouteSync: nothing orphaned", () => {
  it("a new leader finds a route of the ledger whose node is gone, and deletes it", async () => {
    // The previous leader wrote the intent and was killed before it learnt the route id.
    const h = await harness({
      nodes: [nd("a", 1)],
      vpc: [host("ra", 1), host("orphan", 2)],
      outputs: out({ a: [1, 1, "ra"] }),
      ledger: { "172.16.2.0_24": JSON.stringify({ node: "b", instanceId: id(2) }) },
    });
    expect(h.cloud.calls).toEqual(["delete orphan"]);
    expect(h.cloud.table()).toEqual([hop(1)]);
    expect(h.data).toEqual({});
  });

  it("a route of the ledger its node still wants is kept and handed to the run; recording it clears it", async () => {
    const h = await harness({
      nodes: [nd("a", 1)],
      vpc: [host("ra", 1)],
      ledger: { "172.16.1.0_24": JSON.stringify({ node: "a", instanceId: id(1), routeId: "ra" }) },
    });
    expect(h.cloud.calls).toEqual([]);
    const handoff = h.sync.handoff();
    expect(handoff.created).toEqual([{ routeId: "ra", destinationCidrBlock: cidr(1), instanceId: id(1) }]);
    await h.sync.recorded(stackOutputs(out({ a: [1, 1, "ra"] })), handoff);
    await h.settle();
    expect(h.data).toEqual({});
    expect(h.sync.handoff().created).toEqual([]);
  });

  it("an intent that made nothing is dropped", async () => {
    const h = await harness({
      nodes: [],
      ledger: { "172.16.7.0_24": JSON.stringify({ node: "x", instanceId: id(7) }) },
    });
    expect(h.cloud.calls).toEqual([]);
    expect(h.data).toEqual({});
  });

  it.each([
    { owner: "this cluster, for a node that has gone", description: "ksyun-route c1 node b", deleted: true },
    { owner: "this cluster, for a node still there", description: "ksyun-route c1 node a", deleted: false },
    { owner: "another cluster", description: "ksyun-route c2 node b", deleted: false },
    { owner: "no cluster uuid", description: "ksyun-route node b", deleted: false },
    { owner: "no one", description: undefined, deleted: false },
  ])("a route no state or ledger knows, described as made by $owner: deleted $deleted", async (row) => {
    // A killed `up` without checkpoints made it; its node left before any run saved it.
    const stray = { ...host("stray", 2), ...(row.description && { description: row.description }) };
    const h = await harness({ nodes: [nd("a", 1)], vpc: [host("ra", 1), stray], outputs: out({ a: [1, 1, "ra"] }) });
    expect(h.cloud.calls).toEqual(row.deleted ? ["delete stray"] : []);
    expect(h.cloud.table()).toEqual(row.deleted ? [hop(1)] : [hop(1), hop(2)]);
  });

  it("a route deleted out of band is made again at the next listing", async () => {
    const h = await harness({ nodes: [nd("a", 1)], vpc: [host("ra", 1)], outputs: out({ a: [1, 1, "ra"] }) });
    h.cloud.routes.delete("ra");
    h.sync.relisted(await h.cloud.list("vpc"));
    await h.settle();
    expect(h.cloud.table()).toEqual([hop(1)]);
    expect(h.state("a")).toMatchObject({ state: "routed" });
  });
});

describe("RouteSync: the nodes a convergence run declares", () => {
  type Harness = Awaited<ReturnType<typeof harness>>;
  /** A run scoped to every touched node, recording `routes`. */
  const record = async (h: Harness, routes: RouteOutputs) => {
    const handoff = { ...h.sync.handoff(), scope: [...h.sync.touched()!] };
    await h.sync.recorded(stackOutputs(routes), handoff);
    await h.settle();
  };
  const routed: Record<string, [number, number, string]> = { a: [1, 1, "ra"], b: [2, 2, "rb"], c: [3, 3, "rc"] };
  const steady = async () => {
    const h = await harness({
      nodes: [nd("a", 1), nd("b", 2), nd("c", 3)],
      vpc: [host("ra", 1), host("rb", 2), host("rc", 3)],
      outputs: out(routed),
    });
    // A new term sweeps every route once; recording the sweep leaves nothing.
    expect([...h.sync.touched()!].sort()).toEqual(["a", "b", "c"]);
    await record(h, out(routed));
    expect([...h.sync.touched()!]).toEqual([]);
    return h;
  };

  it.each([
    {
      change: "a node joins",
      act: async (h: Harness) => void h.nodes.push(nd("d", 4)),
      touched: ["d"],
    },
    {
      change: "a node leaves",
      act: async (h: Harness) => void h.nodes.splice(1, 1),
      touched: ["b"],
    },
    {
      change: "a route is deleted out of band",
      act: async (h: Harness) => {
        h.cloud.routes.delete("rc");
        h.sync.relisted(await h.cloud.list("vpc"));
      },
      touched: ["c"],
    },
    {
      change: "a node's instance changes",
      act: async (h: Harness) => void h.nodes.splice(0, 1, nd("a", 1, 9)),
      touched: ["a"],
    },
  ])("$change: that node only", async ({ act, touched }) => {
    const h = await steady();
    await act(h);
    h.sync.trigger();
    await h.settle();
    expect([...h.sync.touched()!].sort()).toEqual(touched);
  });

  it("before a pass under new settings: undefined (every route); after it, a sweep of every route", async () => {
    const h = await steady();
    h.sync.configure({ podCidr: "172.16.0.0/16", maxRouteDeletes: 1 });
    expect(h.sync.touched()).toBeUndefined();
    await h.settle();
    expect([...h.sync.touched()!].sort()).toEqual(["a", "b", "c"]);
    // Part of the sweep recorded: the rest stays for the next run, after a change.
    await h.sync.recorded(stackOutputs(out(routed)), { ...h.sync.handoff(), scope: ["a"] });
    h.nodes.push(nd("d", 4));
    h.sync.trigger();
    await h.settle();
    expect(h.sync.touched()).toEqual(["d", "b", "c"]);
  });
});
