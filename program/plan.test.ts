import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { routeResourceName } from "./names.ts";
import { defaultMaxRouteDeletes, ipLookupsNeeded, PlanError, planRoutes, systemUuidsToCheck } from "./plan.ts";
import type { ManagedRoute, RoutePlan, SkipKind, VpcRouteFact } from "./plan.ts";
import { id, node } from "./testing.ts";
import type { NodeOptions } from "./testing.ts";

const POD_CIDR = "10.244.0.0/16";
const cidr = (n: number): string => `10.244.${n}.0/24`;
/** Node with pod CIDR 10.244.<c>.0/24 and providerID id(i). */
const nd = (name: string, c: number, i = c, o: NodeOptions = {}): V1Node =>
  node(name, { cidrs: [cidr(c)], providerID: id(i), ...o });
/** A route the stack manages now. */
const cur = (name: string, c: number, i = c): ManagedRoute => ({
  nodeName: name,
  destinationCidrBlock: cidr(c),
  instanceId: id(i),
  routeId: `rt-${name}`,
});
/** Expected desired route, as "<node> <cidr> <instance>". */
const rt = (name: string, c: number, i = c): string => `${name} ${cidr(c)} ${id(i)}`;
const names = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, k) => `${prefix}${k + 1}`);

interface Want {
  routes?: string[];
  /** [node, part of the reason, kind (default trouble)] */
  skipped?: [string, string, SkipKind?][];
  creates?: string[];
  replaces?: string[];
  deletes?: string[];
  withheld?: string[];
  deferred?: string[];
  needsIpLookup?: string[];
  warnings?: RegExp[];
}

interface Row {
  name: string;
  nodes: V1Node[];
  current?: ManagedRoute[];
  vpcInstanceIds?: string[];
  ipToInstance?: [string, string][];
  podCidr?: string;
  maxRouteDeletes?: number;
  allowMassDeletion?: boolean;
  missingInstances?: [string, string][];
  vpcRoutes?: [string, VpcRouteFact][];
  replaceConflictingRoutes?: boolean;
  goneRouteIds?: string[];
  nodeTrouble?: [string, string][];
  previouslyWithheld?: string[];
  want?: Want;
  error?: RegExp;
}

function plan(row: Row): RoutePlan {
  return planRoutes({
    nodes: row.nodes,
    podCidr: row.podCidr ?? POD_CIDR,
    vpcInstanceIds: new Set(row.vpcInstanceIds ?? []),
    ipToInstance: new Map(row.ipToInstance ?? []),
    current: row.current ?? [],
    maxRouteDeletes: row.maxRouteDeletes,
    allowMassDeletion: row.allowMassDeletion,
    missingInstances: row.missingInstances && new Map(row.missingInstances),
    vpcRoutes: row.vpcRoutes && new Map(row.vpcRoutes),
    replaceConflictingRoutes: row.replaceConflictingRoutes,
    goneRouteIds: row.goneRouteIds && new Set(row.goneRouteIds),
    nodeTrouble: row.nodeTrouble && new Map(row.nodeTrouble),
    previouslyWithheld: row.previouslyWithheld && new Set(row.previouslyWithheld),
  });
}

const many = (count: number): { nodes: V1Node[]; current: ManagedRoute[] } => ({
  nodes: names("n", count).map((n, k) => nd(n, k + 1)),
  current: names("n", count).map((n, k) => cur(n, k + 1)),
});
const ten = many(10);
const fortyOne = many(41);
/** How `want.routes` spells a route. */
const routeLine = (r: { nodeName: string; destinationCidrBlock: string; instanceId: string }) =>
  `${r.nodeName} ${r.destinationCidrBlock} ${r.instanceId}`;
/** The routes left when the first `deleted` nodes of a cluster from `many` are gone. */
const kept = (cluster: ReturnType<typeof many>, deleted: number) =>
  cluster.current.slice(deleted).map(routeLine).sort();

const rows: Row[] = [
  {
    name: "2 nodes and no routes",
    nodes: [nd("a", 1), nd("b", 2)],
    want: { routes: [rt("a", 1), rt("b", 2)], creates: ["a", "b"] },
  },
  {
    name: "2 nodes and all routes created",
    nodes: [nd("b", 2), nd("a", 1)],
    current: [cur("a", 1), cur("b", 2)],
    want: { routes: [rt("a", 1), rt("b", 2)] },
  },
  {
    name: "node gone from the list loses its route",
    nodes: [nd("a", 1)],
    current: [cur("a", 1), cur("b", 2)],
    want: { routes: [rt("a", 1)], deletes: ["b"] },
  },
  {
    name: "node being deleted loses its route",
    nodes: [nd("a", 1), nd("b", 2, 2, { deleting: true })],
    current: [cur("a", 1), cur("b", 2)],
    want: { routes: [rt("a", 1)], deletes: ["b"], skipped: [["b", "being deleted", "excluded"]] },
  },
  {
    name: "Ready=Unknown and Ready=False keep their routes",
    nodes: [nd("a", 1, 1, { ready: "Unknown" }), nd("b", 2, 2, { ready: "False" })],
    current: [cur("a", 1), cur("b", 2)],
    want: { routes: [rt("a", 1), rt("b", 2)] },
  },
  {
    name: "excluded node loses its route",
    nodes: [nd("a", 1), nd("b", 2, 2, { labels: { "service.ksyun.com/exclude-node": "true" } })],
    current: [cur("a", 1), cur("b", 2)],
    want: {
      routes: [rt("a", 1)],
      deletes: ["b"],
      skipped: [["b", "excluded by label service.ksyun.com/exclude-node", "excluded"]],
    },
  },
  {
    name: "pod CIDR change (node re-created under the same name) is a replace",
    nodes: [nd("a", 5, 1), nd("b", 2)],
    current: [cur("a", 1, 1), cur("b", 2)],
    want: { routes: [rt("a", 5, 1), rt("b", 2)], replaces: ["a"] },
  },
  {
    name: "overlapping new CIDR on the same node is a replace, not a wait",
    nodes: [node("a", { cidrs: ["10.244.1.0/25"], providerID: id(1) })],
    current: [cur("a", 1)],
    want: { routes: [`a 10.244.1.0/25 ${id(1)}`], replaces: ["a"] },
  },
  {
    name: "instance change is a replace",
    nodes: [nd("a", 1, 9), nd("b", 2)],
    current: [cur("a", 1, 1), cur("b", 2)],
    want: { routes: [rt("a", 1, 9), rt("b", 2)], replaces: ["a"] },
  },
  {
    name: "instance id case in the state is not a change",
    nodes: [nd("a", 1)],
    current: [{ ...cur("a", 1), instanceId: id(1).toUpperCase() }],
    want: { routes: [rt("a", 1)] },
  },
  {
    name: "node without pod CIDR gets no route",
    nodes: [nd("a", 1), node("b", { providerID: id(2) })],
    want: { routes: [rt("a", 1)], creates: ["a"], skipped: [["b", "no pod CIDR assigned yet", "unroutable"]] },
  },
  {
    name: "IPv6-only node is reported, not routed",
    nodes: [nd("a", 1), node("b", { cidrs: ["fd00:10:244:2::/64"], providerID: id(2) })],
    want: {
      routes: [rt("a", 1)],
      creates: ["a"],
      skipped: [["b", "IPv6-only pod CIDRs fd00:10:244:2::/64", "unroutable"]],
    },
  },
  {
    name: "pod CIDR outside podCidr is skipped",
    nodes: [nd("a", 1), node("b", { cidrs: ["10.99.0.0/24"], providerID: id(2) })],
    want: {
      routes: [rt("a", 1)],
      creates: ["a"],
      skipped: [["b", "pod CIDR 10.99.0.0/24 is outside ksyun-route:podCidr 10.244.0.0/16"]],
    },
  },
  {
    name: "non-canonical pod CIDR is skipped with the value",
    nodes: [node("b", { cidrs: ["10.244.2.7/24"], providerID: id(2) })],
    want: { skipped: [["b", 'pod CIDR "10.244.2.7/24" is not canonical (its network is 10.244.2.0/24)']] },
  },
  {
    name: "instance from the InternalIP lookup",
    nodes: [node("c", { cidrs: [cidr(3)], addresses: [{ type: "InternalIP", address: "192.168.0.3" }] })],
    ipToInstance: [["192.168.0.3", id(3)]],
    want: { routes: [rt("c", 3)], creates: ["c"] },
  },
  {
    name: "InternalIP without instance: skipped, listed in needsIpLookup, and keeps its route",
    nodes: [nd("a", 1), node("c", { cidrs: [cidr(3)], addresses: [{ type: "InternalIP", address: "192.168.0.3" }] })],
    current: [cur("a", 1), cur("c", 3)],
    ipToInstance: [["192.168.0.9", id(9)]],
    want: {
      routes: [rt("a", 1), rt("c", 3)],
      needsIpLookup: ["192.168.0.3"],
      skipped: [["c", "no KEC instance id: no instance annotation"]],
    },
  },
  {
    name: "systemUUID accepted when the VPC lists it (ids compared case-insensitively)",
    nodes: [node("s", { cidrs: [cidr(4)], systemUUID: id(4) })],
    vpcInstanceIds: [id(4).toUpperCase()],
    want: { routes: [rt("s", 4)], creates: ["s"] },
  },
  // One node's trouble stays its own.
  {
    name: "a newcomer with a routed node's pod CIDR is skipped, naming the other; the routed node keeps its route",
    nodes: [nd("a", 1), nd("b", 1, 2), nd("c", 3)],
    current: [cur("a", 1)],
    want: {
      routes: [rt("a", 1), rt("c", 3)],
      creates: ["c"],
      skipped: [["b", `pod CIDR ${cidr(1)} overlaps node "a"'s ${cidr(1)}`]],
    },
  },
  {
    name: "two new nodes with overlapping pod CIDRs: neither is routed, the others are",
    nodes: [node("a", { cidrs: ["10.244.0.0/23"], providerID: id(1) }), nd("b", 1, 2), nd("c", 3)],
    want: {
      routes: [rt("c", 3)],
      creates: ["c"],
      skipped: [
        ["a", `pod CIDR 10.244.0.0/23 overlaps node "b"'s ${cidr(1)}`],
        ["b", `pod CIDR ${cidr(1)} overlaps node "a"'s 10.244.0.0/23`],
      ],
    },
  },
  {
    name: "a routed node moving onto another's pod CIDR keeps its old route",
    nodes: [nd("a", 2, 1), nd("b", 2)],
    current: [cur("a", 1), cur("b", 2)],
    want: { routes: [rt("a", 1), rt("b", 2)], skipped: [["a", `overlaps node "b"'s ${cidr(2)}`]] },
  },
  {
    name: "a newcomer on a routed node's instance is skipped, naming both sources",
    nodes: [nd("a", 1, 7), node("b", { cidrs: [cidr(2)], annotations: { "kce.sdns.ksyun.com/instanceId": id(7) } })],
    current: [cur("a", 1, 7)],
    want: {
      routes: [rt("a", 1, 7)],
      skipped: [
        [
          "b",
          `shares KEC instance ${id(7)} (from annotation:kce.sdns.ksyun.com/instanceId) with node "a" (from spec.providerID)`,
        ],
      ],
    },
  },
  {
    name: "two new nodes on one instance: neither is routed",
    nodes: [nd("a", 1, 7), nd("b", 2, 7), nd("c", 3)],
    want: {
      routes: [rt("c", 3)],
      creates: ["c"],
      skipped: [
        ["a", `shares KEC instance ${id(7)}`],
        ["b", `shares KEC instance ${id(7)}`],
      ],
    },
  },
  {
    name: "a new route to an instance the VPC lacks is not made; the node keeps its route, others proceed",
    nodes: [nd("a", 1, 8), nd("b", 2, 9), nd("c", 3)],
    current: [cur("a", 1, 1)],
    missingInstances: [
      [id(8), "is not an instance of VPC v"],
      [id(9), "is not an instance of VPC v"],
    ],
    want: {
      routes: [rt("a", 1, 1), rt("c", 3)],
      creates: ["c"],
      skipped: [
        ["a", `KEC instance ${id(8)} (from spec.providerID) is not an instance of VPC v`],
        ["b", `KEC instance ${id(9)} (from spec.providerID) is not an instance of VPC v`],
      ],
    },
  },
  {
    name: "an established route is not questioned by a missing-instance answer",
    nodes: [nd("a", 1)],
    current: [cur("a", 1)],
    missingInstances: [[id(1), "is not an instance of VPC v"]],
    want: { routes: [rt("a", 1)] },
  },
  {
    name: "a destination another route holds is that node's conflict; an identical route or our own is not",
    nodes: [nd("a", 1), nd("b", 2), nd("c", 3, 30)],
    current: [cur("c", 3)],
    vpcRoutes: [
      [cidr(1), { routeId: "foreign", routeType: "Host", nextHop: id(9) }],
      [cidr(2), { routeId: "adoptable", routeType: "Host", nextHop: id(2) }],
      [cidr(3), { routeId: "rt-c", routeType: "Host", nextHop: id(3) }],
    ],
    want: {
      routes: [rt("b", 2), rt("c", 3, 30)],
      creates: ["b"],
      replaces: ["c"],
      skipped: [["a", `destination ${cidr(1)} is held by route foreign (Host, next hop ${id(9)}); remove it`]],
    },
  },
  {
    name: "trouble an edge found (KSYun refused the route) holds back that node's new route only",
    nodes: [nd("a", 1), nd("b", 2, 20), nd("c", 3)],
    current: [cur("b", 2)],
    nodeTrouble: [
      ["a", "KSYun refused its route: QuotaExceeded"],
      ["b", "KSYun refused its route: QuotaExceeded"],
    ],
    want: {
      routes: [rt("b", 2), rt("c", 3)],
      creates: ["c"],
      skipped: [
        ["a", "KSYun refused its route: QuotaExceeded"],
        ["b", "KSYun refused its route: QuotaExceeded"],
      ],
    },
  },
  {
    name: "replaceConflictingRoutes: the held destination is no conflict",
    nodes: [nd("a", 1)],
    vpcRoutes: [[cidr(1), { routeId: "foreign", routeType: "Tunnel", nextHop: "gw" }]],
    replaceConflictingRoutes: true,
    want: { routes: [rt("a", 1)], creates: ["a"] },
  },
  {
    name: "a new route may not overlap the route a node in trouble keeps",
    nodes: [nd("a", 2, 1), nd("b", 2), nd("c", 1, 3)],
    current: [cur("a", 1), cur("b", 2)],
    want: {
      routes: [rt("a", 1), rt("b", 2)],
      skipped: [
        ["a", `overlaps node "b"'s ${cidr(2)}`],
        ["c", `overlaps route ${cidr(1)} of node "a", which that node keeps while it is in trouble`],
      ],
    },
  },
  {
    name: "CIDR reused by a new node while the old node is deleted: the new route waits one run",
    nodes: [nd("a", 1, 1, { deleting: true }), nd("c", 1, 3), nd("b", 2)],
    current: [cur("a", 1), cur("b", 2)],
    want: {
      routes: [rt("b", 2)],
      deletes: ["a"],
      deferred: ["c"],
      skipped: [
        ["a", "being deleted", "excluded"],
        ["c", 'overlaps route 10.244.1.0/24 of node "a", which this run deletes'],
      ],
    },
  },
  {
    name: "CIDR reused: the next run creates the waiting route",
    nodes: [nd("c", 1, 3), nd("b", 2)],
    current: [cur("b", 2)],
    want: { routes: [rt("b", 2), rt("c", 1, 3)], creates: ["c"] },
  },
  {
    name: "CIDR taken over from a replaced node waits one run",
    nodes: [nd("a", 5, 1), nd("b", 1, 2)],
    current: [cur("a", 1, 1)],
    want: {
      routes: [rt("a", 5, 1)],
      replaces: ["a"],
      deferred: ["b"],
      skipped: [["b", 'overlaps route 10.244.1.0/24 of node "a"']],
    },
  },
  // Mass-deletion guard: deletes beyond it are withheld, while creates and replaces proceed.
  {
    name: "empty node list with routes withholds, whatever maxRouteDeletes says",
    nodes: [],
    current: [cur("a", 1)],
    maxRouteDeletes: 100,
    want: {
      routes: [rt("a", 1)],
      withheld: ["a"],
      warnings: [
        /^withholding 1 route deletes: refusing to delete all 1 managed routes: the node list is empty.*allowMassDeletion true[^,]*\.$/,
      ],
    },
  },
  {
    name: "empty node list with allowMassDeletion deletes all and warns",
    nodes: [],
    current: [cur("a", 1), cur("b", 2)],
    allowMassDeletion: true,
    want: { deletes: ["a", "b"], warnings: [/allowMassDeletion let this run delete all 2 managed routes.*unset it/] },
  },
  {
    name: "empty node list without routes is a no-op",
    nodes: [],
    want: {},
  },
  {
    name: "no node wants a route (all excluded) withholds even under the limit",
    nodes: [nd("a", 1, 1, { labels: { "service.ksyun.com/exclude-node": "" } })],
    current: [cur("a", 1), cur("b", 2)],
    maxRouteDeletes: 5,
    want: {
      routes: [rt("a", 1), rt("b", 2)],
      withheld: ["a", "b"],
      skipped: [["a", "excluded by label", "excluded"]],
      warnings: [/delete all 2 managed routes: no node qualifies for a route/],
    },
  },
  {
    name: "a wrong podCidr puts every node in trouble: all keep their routes, nothing is deleted",
    nodes: [nd("a", 1), nd("b", 2)],
    current: [cur("a", 1), cur("b", 2)],
    podCidr: "10.99.0.0/16",
    want: {
      routes: [rt("a", 1), rt("b", 2)],
      skipped: [
        ["a", "is outside ksyun-route:podCidr 10.99.0.0/16"],
        ["b", "is outside ksyun-route:podCidr 10.99.0.0/16"],
      ],
    },
  },
  {
    name: "4 of 10 deletes exceed the default limit 3: withheld, while a join proceeds",
    nodes: [...ten.nodes.slice(4), nd("new", 50)],
    current: ten.current,
    want: {
      routes: [...ten.current.map(routeLine), rt("new", 50)].sort(),
      creates: ["new"],
      withheld: ["n1", "n2", "n3", "n4"],
      warnings: [
        /^withholding 4 route deletes: refusing to delete 4 routes, more than the default limit max\(3, 10% of 10 managed routes\) = 3: n1, n2, n3, n4\. .*allowMassDeletion true.*or raise ksyun-route:maxRouteDeletes\.$/,
      ],
    },
  },
  {
    name: "withheld deletes of routes already gone are deletes: holding them back would re-create them",
    nodes: ten.nodes.slice(4),
    current: ten.current,
    goneRouteIds: ["rt-n1", "rt-n3"],
    want: {
      routes: [...kept(ten, 4), rt("n2", 2), rt("n4", 4)].sort(),
      deletes: ["n1", "n3"],
      withheld: ["n2", "n4"],
      warnings: [/^withholding 2 route deletes: refusing to delete 4 routes/],
    },
  },
  {
    name: "withheld deletes stay withheld in later runs, though now within the limit: no piecemeal mass deletion",
    nodes: ten.nodes.slice(2),
    current: ten.current,
    previouslyWithheld: ["n1", "n2"],
    want: {
      routes: kept(ten, 0),
      withheld: ["n1", "n2"],
      warnings: [
        /^withholding 2 route deletes: refusing to delete n1, n2, withheld before as part of a mass deletion\./,
      ],
    },
  },
  {
    name: "a node withheld before that came back is simply routed; others delete within the limit",
    nodes: [...ten.nodes.slice(1)],
    current: ten.current,
    previouslyWithheld: ["n2"],
    want: { routes: kept(ten, 1), deletes: ["n1"] },
  },
  {
    name: "allowMassDeletion completes deletes withheld before",
    nodes: ten.nodes.slice(2),
    current: ten.current,
    previouslyWithheld: ["n1", "n2"],
    allowMassDeletion: true,
    want: {
      routes: kept(ten, 2),
      deletes: ["n1", "n2"],
      warnings: [/allowMassDeletion let this run delete n1, n2, withheld before/],
    },
  },
  {
    name: "3 of 10 deletes are within the default limit",
    nodes: ten.nodes.slice(3),
    current: ten.current,
    want: {
      routes: kept(ten, 3),
      deletes: ["n1", "n2", "n3"],
    },
  },
  {
    name: "default limit is 10% rounded up: 5 of 41 deletes pass",
    nodes: fortyOne.nodes.slice(5),
    current: fortyOne.current,
    want: {
      routes: kept(fortyOne, 5),
      deletes: ["n1", "n2", "n3", "n4", "n5"],
    },
  },
  {
    name: "default limit is 10% rounded up: 6 of 41 deletes are withheld",
    nodes: fortyOne.nodes.slice(6),
    current: fortyOne.current,
    want: {
      routes: kept(fortyOne, 0),
      withheld: names("n", 6).sort(),
      warnings: [/delete 6 routes, more than the default limit .* = 5/],
    },
  },
  {
    name: "raised maxRouteDeletes lets 4 of 10 deletes pass",
    nodes: ten.nodes.slice(4),
    current: ten.current,
    maxRouteDeletes: 4,
    want: {
      routes: kept(ten, 4),
      deletes: ["n1", "n2", "n3", "n4"],
    },
  },
  {
    name: "maxRouteDeletes 0 withholds a single delete",
    nodes: [nd("a", 1)],
    current: [cur("a", 1), cur("b", 2)],
    maxRouteDeletes: 0,
    want: {
      routes: [rt("a", 1), rt("b", 2)],
      withheld: ["b"],
      warnings: [/delete 1 routes, more than ksyun-route:maxRouteDeletes = 0: b\./],
    },
  },
  {
    name: "more than 10 deletes: the warning names 10 and counts the rest",
    nodes: fortyOne.nodes.slice(12),
    current: fortyOne.current,
    want: {
      routes: kept(fortyOne, 0),
      withheld: names("n", 12).sort(),
      warnings: [/delete 12 routes, .*: n1, n10, n11, n12, n2, n3, n4, n5, n6, n7 and 2 more\./],
    },
  },
  {
    name: "allowMassDeletion lets an over-limit plan through with a warning",
    nodes: ten.nodes.slice(4),
    current: ten.current,
    allowMassDeletion: true,
    want: {
      routes: kept(ten, 4),
      deletes: ["n1", "n2", "n3", "n4"],
      warnings: [/allowMassDeletion let this run delete 4 routes/],
    },
  },
  {
    name: "replaces do not count toward the delete limit",
    nodes: names("n", 5).map((n, k) => nd(n, k + 1, k + 20)),
    current: names("n", 5).map((n, k) => cur(n, k + 1)),
    want: {
      routes: names("n", 5).map((n, k) => rt(n, k + 1, k + 20)),
      replaces: names("n", 5),
    },
  },
  {
    name: "invalid podCidr input",
    nodes: [nd("a", 1)],
    podCidr: "10.244.0.0/33",
    error: /ksyun-route:podCidr: "10\.244\.0\.0\/33" is not an IPv4 CIDR/,
  },
];

describe("planRoutes", () => {
  it.each(rows)("$name", (row) => {
    if (row.error) {
      expect(() => plan(row)).toThrow(PlanError);
      expect(() => plan(row)).toThrow(row.error);
      return;
    }
    const got = plan(row);
    const want = row.want ?? {};
    expect(got.routes.map(routeLine)).toEqual(want.routes ?? []);
    expect(got.creates).toEqual(want.creates ?? []);
    expect(got.replaces).toEqual(want.replaces ?? []);
    expect(got.deletes).toEqual(want.deletes ?? []);
    expect(got.withheld).toEqual(want.withheld ?? []);
    expect(got.deferred).toEqual(want.deferred ?? []);
    expect(got.needsIpLookup).toEqual(want.needsIpLookup ?? []);
    const skipped = want.skipped ?? [];
    expect(got.skipped.map((s) => s.node)).toEqual(skipped.map(([n]) => n));
    skipped.forEach(([, reason, kind = "trouble"], k) => {
      expect(got.skipped[k]?.reason).toContain(reason);
      expect(got.skipped[k]?.kind).toBe(kind);
    });
    const warnings = want.warnings ?? [];
    expect(got.warnings).toHaveLength(warnings.length);
    warnings.forEach((pattern, k) => expect(got.warnings[k]).toMatch(pattern));
  });

  it("carries resource name, instance source and effective limit for the stack outputs", () => {
    const got = planRoutes({
      nodes: [nd("a", 1), node("c", { cidrs: [cidr(3)], addresses: [{ type: "InternalIP", address: "192.168.0.3" }] })],
      podCidr: POD_CIDR,
      vpcInstanceIds: new Set(),
      ipToInstance: new Map([["192.168.0.3", id(3).toUpperCase()]]),
      current: [],
    });
    expect(got.routes).toEqual([
      {
        nodeName: "a",
        resourceName: "route-a",
        destinationCidrBlock: cidr(1),
        instanceId: id(1),
        instanceIdSource: "spec.providerID",
      },
      {
        nodeName: "c",
        resourceName: "route-c",
        destinationCidrBlock: cidr(3),
        instanceId: id(3),
        instanceIdSource: "InternalIP",
      },
    ]);
    expect(got.maxRouteDeletes).toBe(3);
  });
});

describe("ipLookupsNeeded", () => {
  const withIp = (name: string, ip: string, o: NodeOptions = {}): V1Node =>
    node(name, { cidrs: [cidr(name.charCodeAt(0) - 96)], addresses: [{ type: "InternalIP", address: ip }], ...o });
  it("lists, sorted and unique, only the IPs of nodes that would otherwise be routed", () => {
    const nodes = [
      withIp("d", "192.168.0.4"),
      withIp("c", "192.168.0.3"),
      withIp("e", "192.168.0.3"),
      withIp("f", "192.168.0.6", { labels: { "service.ksyun.com/exclude-node": "" } }),
      withIp("g", "192.168.0.7", { deleting: true }),
      withIp("h", "192.168.0.8", { providerID: id(8) }),
      withIp("i", "192.168.0.9", { systemUUID: id(9) }),
      node("j", { addresses: [{ type: "InternalIP", address: "192.168.0.10" }] }),
    ];
    const got = ipLookupsNeeded({ nodes, podCidr: POD_CIDR, vpcInstanceIds: new Set([id(9)]) });
    expect(got).toEqual(["192.168.0.3", "192.168.0.4"]);
  });
});

describe("systemUuidsToCheck", () => {
  it("lists, lower-cased, sorted and unique, the systemUUIDs of routable nodes without another id source", () => {
    const nodes = [
      node("a", { cidrs: [cidr(1)], systemUUID: id(2).toUpperCase() }),
      node("b", { cidrs: [cidr(2)], systemUUID: id(1) }),
      node("c", { cidrs: [cidr(3)], systemUUID: id(1) }),
      node("d", { cidrs: [cidr(4)], systemUUID: id(4), providerID: "aws:///us-east-1a/i-0abc" }),
      node("e", { cidrs: [cidr(5)], systemUUID: id(5), providerID: id(5) }),
      node("f", { cidrs: [cidr(6)], systemUUID: id(6), annotations: { "kce.sdns.ksyun.com/instanceId": id(6) } }),
      node("g", { cidrs: [cidr(7)], systemUUID: id(7), deleting: true }),
      node("h", { systemUUID: id(8) }),
      node("i", { cidrs: [cidr(9)] }),
    ];
    expect(systemUuidsToCheck({ nodes, podCidr: POD_CIDR })).toEqual([id(1), id(2), id(4)]);
  });
});

describe("routeResourceName", () => {
  const long = (tail: string): string => `${"x".repeat(200)}.${tail}`;
  const rows: { node: string; want: string | RegExp }[] = [
    { node: "node-1", want: "route-node-1" },
    { node: "ip-192-168-0-1.cn-beijing-6.internal", want: "route-ip-192-168-0-1.cn-beijing-6.internal" },
    { node: "y".repeat(122), want: `route-${"y".repeat(122)}` },
    { node: "y".repeat(123), want: new RegExp(`^route-${"y".repeat(111)}-[0-9a-f]{10}$`) },
    { node: long("a"), want: /^route-x{111}-[0-9a-f]{10}$/ },
  ];
  it.each(rows)("$node", ({ node: name, want }) => {
    const got = routeResourceName(name);
    expect(got.length).toBeLessThanOrEqual(128);
    if (typeof want === "string") expect(got).toBe(want);
    else expect(got).toMatch(want);
  });
  it("is stable per node and distinct for long names sharing a prefix", () => {
    expect(routeResourceName(long("a"))).toBe(routeResourceName(long("a")));
    expect(routeResourceName(long("a"))).not.toBe(routeResourceName(long("b")));
  });
});

describe("defaultMaxRouteDeletes", () => {
  const rows: [number, number][] = [
    [0, 3],
    [30, 3],
    [31, 4],
    [100, 10],
    [1001, 101],
  ];
  it.each(rows)("%i managed routes → %i", (current, want) => expect(defaultMaxRouteDeletes(current)).toBe(want));
});
