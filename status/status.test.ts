import type { Route } from "@ksyun-route/provider/client";
import { describe, expect, it } from "vitest";
import { managedRoutes, type DesiredRoute, type SkippedNode } from "../program/contract.ts";
import { formatJson, formatTable } from "./format.ts";
import { cliErrorMessage, managedRouteIds } from "./stack.ts";
import { countStates, FAILURE_STATES, isHealthy, routeStatus, STATES } from "./status.ts";
import type { RowState, StatusRow } from "./status.ts";

const id = (n: number): string => `0e3e1d2c-7b6a-4f5e-8d9c-${n.toString(16).padStart(12, "0")}`;
const cidr = (n: number): string => `172.16.${n}.0/24`;
const PREFIX = "ksyun-route c1 node ";

/** Node n wants 172.16.n.0/24 → instance id(i). */
const want = (name: string, n: number, i = n): DesiredRoute => ({
  nodeName: name,
  resourceName: `route-${name}`,
  destinationCidrBlock: cidr(n),
  instanceId: id(i),
  instanceIdSource: "spec.providerID",
});
const skip = (
  node: string,
  reason = "excluded by label service.ksyun.com/exclude-node",
  kind: SkippedNode["kind"] = "excluded",
): SkippedNode => ({ node, reason, kind });
/** A route the planner keeps for a node in trouble, or for a withheld delete. */
const held = (name: string, n: number, source: "kept" | "withheld"): DesiredRoute => ({
  ...want(name, n),
  routeId: `rt-${name}`,
  instanceIdSource: source,
});

interface RouteOptions {
  readonly type?: string;
  readonly description?: string;
  readonly system?: boolean;
  readonly destination?: string;
}
/** VPC route rt-<name>: destination 172.16.n.0/24 → instance id(i). */
const route = (name: string, n: number, i = n, o: RouteOptions = {}): Route => ({
  routeId: `rt-${name}`,
  vpcId: "vpc",
  destinationCidrBlock: o.destination ?? cidr(n),
  routeType: o.type ?? "Host",
  nextHopSet: [{ gatewayId: o.type === "InternetGateway" ? "igw-1" : id(i) }],
  ...(o.description === undefined ? {} : { description: o.description }),
  ...(o.system === undefined ? {} : { system: o.system }),
});

interface Case {
  readonly name: string;
  readonly routes?: DesiredRoute[];
  readonly skipped?: SkippedNode[];
  readonly withheld?: string[];
  readonly vpc?: Route[];
  readonly managed?: string[];
  readonly prefix?: string;
  /** "<state> <node|-> <destination|-> <routeId|->" per row, in order. */
  readonly rows: string[];
  /** Parts of each row's detail, by index. */
  readonly details?: Record<number, RegExp>;
  readonly healthy: boolean;
}

const cases: Case[] = [
  { name: "nothing at all", rows: [], healthy: true },
  {
    name: "ok: a Host route to the node's instance, managed",
    routes: [want("a", 1)],
    vpc: [route("a", 1)],
    managed: ["rt-a"],
    rows: ["ok a 172.16.1.0/24 rt-a"],
    details: { 0: /^routed to its instance \(from spec\.providerID\)$/ },
    healthy: true,
  },
  {
    name: "ok: an identical route the stack does not list yet (adoptable)",
    routes: [want("a", 1)],
    vpc: [route("a", 1)],
    rows: ["ok a 172.16.1.0/24 rt-a"],
    details: { 0: /pulumi up adopts it/ },
    healthy: true,
  },
  {
    name: "ok: the next hop compares case-insensitively",
    routes: [want("a", 1)],
    vpc: [{ ...route("a", 1), nextHopSet: [{ gatewayId: id(1).toUpperCase() }] }],
    managed: ["rt-a"],
    rows: ["ok a 172.16.1.0/24 rt-a"],
    healthy: true,
  },
  {
    name: "missing: no route for the node's destination",
    routes: [want("a", 1), want("b", 2)],
    vpc: [route("a", 1)],
    managed: ["rt-a"],
    rows: ["ok a 172.16.1.0/24 rt-a", "missing b 172.16.2.0/24 -"],
    details: { 1: /no route for this destination/ },
    healthy: false,
  },
  {
    name: "missing: a route to an overlapping but different CIDR does not count",
    routes: [want("a", 1)],
    vpc: [route("wide", 1, 1, { destination: "172.16.0.0/16" })],
    rows: ["missing a 172.16.1.0/24 -", "foreign - 172.16.0.0/16 rt-wide"],
    healthy: false,
  },
  {
    name: "wrong-next-hop: the destination routes to another instance",
    routes: [want("a", 1)],
    vpc: [route("a", 1, 9)],
    managed: ["rt-a"],
    rows: ["wrong-next-hop a 172.16.1.0/24 rt-a"],
    details: { 0: /^routed to another instance, not to the node's instance \(from spec\.providerID\)$/ },
    healthy: false,
  },
  {
    name: "wrong-next-hop: the destination is held by a route of another type",
    routes: [want("a", 1)],
    vpc: [route("a", 1, 1, { type: "InternetGateway" })],
    rows: ["wrong-next-hop a 172.16.1.0/24 rt-a"],
    details: { 0: /routed to a InternetGateway route \(next hop igw-1\)/ },
    healthy: false,
  },
  {
    name: "extra: a route in the stack's outputs that no node wants",
    routes: [want("a", 1)],
    vpc: [route("a", 1), route("gone", 7)],
    managed: ["rt-a", "rt-gone"],
    rows: ["ok a 172.16.1.0/24 rt-a", "extra - 172.16.7.0/24 rt-gone"],
    details: { 1: /in the stack's routes output/ },
    healthy: false,
  },
  {
    name: "extra: a route with this stack's description, not in the outputs",
    vpc: [route("lost", 7, 7, { description: `${PREFIX}lost` })],
    prefix: PREFIX,
    rows: ["extra - 172.16.7.0/24 rt-lost"],
    details: { 0: /description starts with "ksyun-route c1 node"/ },
    healthy: false,
  },
  {
    name: "extra: without a prefix option, any ksyun-route description is ours",
    vpc: [route("lost", 7, 7, { description: "ksyun-route other node x" })],
    rows: ["extra - 172.16.7.0/24 rt-lost"],
    healthy: false,
  },
  {
    name: "extra: an excluded node's managed route is extra, the node skipped",
    skipped: [skip("a")],
    vpc: [route("a", 1)],
    managed: ["rt-a"],
    rows: ["skipped a - -", "extra - 172.16.1.0/24 rt-a"],
    healthy: false,
  },
  {
    name: "foreign: manual, another cluster's, non-Host and system routes",
    routes: [want("a", 1)],
    vpc: [
      route("a", 1),
      route("manual", 50, 3, { description: "by hand" }),
      route("other", 60, 4, { description: "ksyun-route c2 node z" }),
      route("igw", 0, 0, { type: "InternetGateway", destination: "0.0.0.0/0" }),
      route("local", 0, 0, { type: "Local", destination: "10.0.0.0/16", system: true }),
    ],
    managed: ["rt-a"],
    prefix: PREFIX,
    rows: [
      "ok a 172.16.1.0/24 rt-a",
      "foreign - 0.0.0.0/0 rt-igw",
      "foreign - 10.0.0.0/16 rt-local",
      "foreign - 172.16.50.0/24 rt-manual",
      "foreign - 172.16.60.0/24 rt-other",
    ],
    details: {
      1: /a InternetGateway route/,
      2: /a system route/,
      3: /a Host route this stack does not manage/,
      4: /another ksyun-route stack's route/,
    },
    healthy: true,
  },
  {
    name: "skipped: the planner's reason, sorted among the nodes",
    routes: [want("a", 1), want("c", 3)],
    skipped: [skip("b", "no pod CIDR assigned yet")],
    vpc: [route("a", 1), route("c", 3)],
    managed: ["rt-a", "rt-c"],
    rows: ["ok a 172.16.1.0/24 rt-a", "skipped b - -", "ok c 172.16.3.0/24 rt-c"],
    details: { 1: /^no pod CIDR assigned yet$/ },
    healthy: true,
  },
  {
    name: "skipped in trouble: the row names the route the node keeps, which is not extra",
    routes: [want("a", 1), held("b", 2, "kept")],
    skipped: [skip("b", 'pod CIDR 172.16.1.0/24 overlaps node "a"\'s 172.16.1.0/24', "trouble")],
    vpc: [route("a", 1), route("b", 2)],
    managed: ["rt-a", "rt-b"],
    rows: ["ok a 172.16.1.0/24 rt-a", "skipped b - rt-b"],
    details: { 1: /overlaps node "a"'s 172\.16\.1\.0\/24; keeps its route rt-b \(172\.16\.2\.0\/24\) meanwhile$/ },
    healthy: true,
  },
  {
    name: "extra: a delete the guard withholds says so",
    routes: [want("a", 1), held("gone", 7, "withheld")],
    withheld: ["gone"],
    vpc: [route("a", 1), route("gone", 7)],
    managed: ["rt-a", "rt-gone"],
    rows: ["ok a 172.16.1.0/24 rt-a", "extra - 172.16.7.0/24 rt-gone"],
    details: { 1: /the mass-deletion guard withholds its delete/ },
    healthy: false,
  },
  {
    name: "a pod CIDR change: the old managed route is extra, the new one missing",
    routes: [want("a", 2)],
    vpc: [route("a", 1)],
    managed: ["rt-a"],
    rows: ["missing a 172.16.2.0/24 -", "extra - 172.16.1.0/24 rt-a"],
    healthy: false,
  },
  {
    name: "every state at once",
    routes: [want("n1", 1), want("n2", 2), want("n3", 3)],
    skipped: [skip("n4")],
    vpc: [route("n1", 1), route("n3", 3, 8), route("old", 5), route("manual", 90, 2)],
    managed: ["rt-n1", "rt-n3", "rt-old"],
    rows: [
      "ok n1 172.16.1.0/24 rt-n1",
      "missing n2 172.16.2.0/24 -",
      "wrong-next-hop n3 172.16.3.0/24 rt-n3",
      "skipped n4 - -",
      "extra - 172.16.5.0/24 rt-old",
      "foreign - 172.16.90.0/24 rt-manual",
    ],
    healthy: false,
  },
];

const short = (r: StatusRow): string => `${r.state} ${r.node ?? "-"} ${r.destination ?? "-"} ${r.routeId ?? "-"}`;

describe("routeStatus", () => {
  it.each(cases)("$name", (c) => {
    const rows = routeStatus(
      { routes: c.routes ?? [], skipped: c.skipped ?? [], withheld: c.withheld ?? [] },
      c.vpc ?? [],
      new Set(c.managed ?? []),
      c.prefix === undefined ? {} : { descriptionPrefix: c.prefix },
    );
    expect(rows.map(short)).toEqual(c.rows);
    for (const [index, pattern] of Object.entries(c.details ?? {}))
      expect(rows[Number(index)]!.detail).toMatch(pattern);
    expect(isHealthy(rows)).toBe(c.healthy);
  });

  it("covers every state in the table above", () => {
    const seen = new Set(cases.flatMap((c) => c.rows.map((r) => r.split(" ")[0] as RowState)));
    expect([...seen].sort()).toEqual([...STATES].sort());
  });

  it("fails on missing, wrong-next-hop and extra only", () => {
    expect([...FAILURE_STATES].sort()).toEqual(["extra", "missing", "wrong-next-hop"]);
    for (const state of STATES) expect(isHealthy([{ state, detail: "" }])).toBe(!FAILURE_STATES.has(state));
  });

  it("keeps the wanted and the live next hop on a wrong-next-hop row", () => {
    const [row] = routeStatus(
      { routes: [want("a", 1)], skipped: [], withheld: [] },
      [route("a", 1, 9)],
      new Set(["rt-a"]),
    );
    expect(row).toMatchObject({ wantedNextHop: id(1), nextHop: id(9), routeType: "Host", managed: true });
  });
});

describe("the stack's routes output", () => {
  const outputs = {
    a: { cidr: cidr(1), instanceId: id(1), routeId: "rt-a" },
    b: { cidr: cidr(2), instanceId: id(2) },
  };
  it("gives the planner's current routes and the managed route ids", () => {
    expect(managedRoutes(outputs)).toEqual([
      { nodeName: "a", destinationCidrBlock: cidr(1), instanceId: id(1), routeId: "rt-a" },
      { nodeName: "b", destinationCidrBlock: cidr(2), instanceId: id(2) },
    ]);
    expect([...managedRouteIds(outputs)]).toEqual(["rt-a"]);
  });
});

describe("cliErrorMessage", () => {
  it("keeps the CLI's error lines of an Automation API failure, once", () => {
    const message =
      "code: 255\n stdout: \n stderr: Command failed: pulumi config --stack x\nerror: no stack named 'x' found\n" +
      " err?: Error: Command failed\nerror: no stack named 'x' found\n";
    expect(cliErrorMessage(new Error(message))).toBe("pulumi error: no stack named 'x' found");
  });
  it("passes other errors through", () => {
    expect(cliErrorMessage(new Error("spawn pulumi ENOENT"))).toBe("spawn pulumi ENOENT");
  });
});

describe("output", () => {
  const rows = routeStatus(
    { routes: [want("n1", 1), want("n2", 2)], skipped: [skip("n4")], withheld: [] },
    [route("n1", 1), route("manual", 90, 2)],
    new Set(["rt-n1"]),
  );
  const report = { stack: "prod", vpcId: "vpc-1", clusterUuid: "c1", nodes: 3, vpcRoutes: 2, rows };

  it("prints an aligned table with a summary that names the failure", () => {
    const text = formatTable(report);
    const lines = text.split("\n");
    expect(lines[0]).toBe("stack prod: VPC vpc-1, cluster c1; 3 nodes, 2 VPC routes");
    expect(lines[2]).toMatch(/^STATE +NODE +DESTINATION +WANTED NEXT HOP +LIVE NEXT HOP +ROUTE +DETAIL$/);
    expect(lines[3]).toMatch(new RegExp(`^ok +n1 +172\\.16\\.1\\.0/24 +${id(1)} +\\(same\\) +rt-n1 +routed to its`));
    expect(lines[4]).toMatch(new RegExp(`^missing +n2 +172\\.16\\.2\\.0/24 +${id(2)} +- +- +no route`));
    expect(lines[5]).toMatch(/^skipped +n4 +- +- +- +- +excluded by label/);
    expect(lines[6]).toMatch(new RegExp(`^foreign +- +172\\.16\\.90\\.0/24 +- +${id(2)} +rt-manual +not ours`));
    // columns line up: DESTINATION starts at the same offset on every row
    const at = lines[2]!.indexOf("DESTINATION");
    expect(lines.slice(3, 7).map((l) => l.indexOf("172.16."))).toEqual([at, at, -1, at]);
    expect(lines.at(-1)).toBe(
      "1 ok, 1 missing, 1 foreign, 1 skipped: NOT OK (missing, wrong-next-hop and extra rows fail; skipped and foreign do not)",
    );
  });

  it("shows a different live next hop in full, and a non-Host route's type", () => {
    const other = routeStatus(
      { routes: [want("a", 1), want("b", 2)], skipped: [], withheld: [] },
      [route("a", 1, 9), route("b", 2, 2, { type: "InternetGateway" })],
      new Set(["rt-a"]),
    );
    const lines = formatTable({ ...report, rows: other }).split("\n");
    expect(lines[3]).toMatch(new RegExp(`^wrong-next-hop +a +172\\.16\\.1\\.0/24 +${id(1)} +${id(9)} +rt-a `));
    expect(lines[4]).toMatch(
      new RegExp(`^wrong-next-hop +b +172\\.16\\.2\\.0/24 +${id(2)} +InternetGateway:igw-1 +rt-b `),
    );
  });

  it("says OK when only ok, skipped and foreign rows remain", () => {
    const fine = routeStatus({ routes: [], skipped: [skip("n4")], withheld: [] }, [route("manual", 90, 2)], new Set());
    expect(
      formatTable({ ...report, rows: fine })
        .split("\n")
        .at(-1),
    ).toBe("1 foreign, 1 skipped: OK");
  });

  it("prints JSON with whole ids, counts per state and ok", () => {
    const doc = JSON.parse(formatJson(report)) as Record<string, unknown>;
    expect(doc).toMatchObject({ stack: "prod", vpcId: "vpc-1", nodes: 3, vpcRoutes: 2, ok: false });
    expect(doc.counts).toEqual(countStates(rows));
    expect(doc.counts).toEqual({ ok: 1, missing: 1, "wrong-next-hop": 0, extra: 0, foreign: 1, skipped: 1 });
    expect((doc.rows as StatusRow[])[0]).toMatchObject({ state: "ok", wantedNextHop: id(1), nextHop: id(1) });
  });
});
