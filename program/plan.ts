// The desired VPC host routes for a node list, the diff against the routes managed now, and the safety checks.
// Pure: the I/O edges (program/facts.ts for a Pulumi run, the watcher's event path) supply every cloud fact, and
// both decide with this one planner.
//
// One node's trouble stays its own: a node whose pod CIDR overlaps another's, that shares an instance with
// another, whose instance cannot be found, or whose destination another route holds, gets no new route and keeps
// the route it has; every other node proceeds. Deletes beyond the budget are withheld, never refused: the routes
// stay while creates and replaces go ahead.
import type { V1Node } from "@kubernetes/client-node";
import { cidrsOverlap, findOverlaps, formatIpv4Cidr, parseIpv4Cidr } from "@ksyun-route/provider/cidr";
import type { Ipv4Cidr } from "@ksyun-route/provider/cidr";
import { routeResourceName } from "./names.ts";
import { normaliseInstanceId, readNodeFacts } from "./node-facts.ts";
import type { InstanceIdSource, NodeFacts, SkipKind } from "./node-facts.ts";

export type { SkipKind };

/** A route managed now: in the stack's outputs, or made by the watcher's event path and not yet recorded. */
export interface ManagedRoute {
  readonly nodeName: string;
  readonly destinationCidrBlock: string;
  readonly instanceId: string;
  readonly routeId?: string | undefined;
}

export interface DesiredRoute extends ManagedRoute {
  readonly resourceName: string;
  /** Where the instance id came from; "kept" for a route a node in trouble keeps, "withheld" for a kept delete. */
  readonly instanceIdSource: InstanceIdSource | "kept" | "withheld";
}

export interface SkippedNode {
  readonly node: string;
  readonly reason: string;
  readonly kind: SkipKind;
}

/** A route in the VPC, as a listing or the event path's own calls know it. */
export interface VpcRouteFact {
  readonly routeId: string;
  readonly routeType: string;
  readonly nextHop: string | undefined;
}

export interface NodeListInput {
  readonly nodes: readonly V1Node[];
  /** ksyun-route:podCidr, canonical IPv4 CIDR. */
  readonly podCidr: string;
  /** Ids of the VPC's KEC instances (any case); used to accept a node's systemUUID. */
  readonly vpcInstanceIds: ReadonlySet<string>;
}

export interface PlanInput extends NodeListInput {
  /** InternalIP → instance id, from one batched DescribeInstances for the IPs of ipLookupsNeeded(). */
  readonly ipToInstance: ReadonlyMap<string, string>;
  readonly current: readonly ManagedRoute[];
  /** Undefined ⇒ defaultMaxRouteDeletes(current.length). */
  readonly maxRouteDeletes?: number | undefined;
  readonly allowMassDeletion?: boolean | undefined;
  /** Instances known not to be in the VPC (instance id → why): new routes to them are not made. */
  readonly missingInstances?: ReadonlyMap<string, string> | undefined;
  /** The VPC's routes by destination, as far as known: a new route's destination held by another is a conflict. */
  readonly vpcRoutes?: ReadonlyMap<string, VpcRouteFact> | undefined;
  /** A conflicting route of another next hop is replaced rather than a conflict. */
  readonly replaceConflictingRoutes?: boolean | undefined;
  /** Route ids known to be gone already: a withheld delete of one of them is no delete at all. */
  readonly goneRouteIds?: ReadonlySet<string> | undefined;
  /** Nodes an edge found in trouble of its own (node → why; e.g. KSYun refused their route): no new route. */
  readonly nodeTrouble?: ReadonlyMap<string, string> | undefined;
  /**
   * Deletes an earlier plan withheld (the stack output withheldDeletes): they stay withheld until an operator
   * allows them, so a mass deletion is not made in budget-sized pieces, one run after another.
   */
  readonly previouslyWithheld?: ReadonlySet<string> | undefined;
}

export interface RoutePlan {
  /** Every route to keep or make, sorted by node name: the nodes' own, the ones nodes in trouble keep, withheld. */
  readonly routes: DesiredRoute[];
  /** Nodes present in the list but given no route of their own, sorted by node name. */
  readonly skipped: SkippedNode[];
  /** InternalIPs whose instance the plan needed but ipToInstance lacked (those nodes are skipped). */
  readonly needsIpLookup: string[];
  /** Node names, sorted. A replace is the same node with a new CIDR or instance. */
  readonly creates: string[];
  readonly replaces: string[];
  /** Managed routes this plan removes (some may be gone already: see goneRouteIds). */
  readonly deletes: string[];
  /** Deletes the guard holds back: their routes stay, in KSYun and in the state. */
  readonly withheld: string[];
  /** Nodes whose route waits one run for another node's overlapping route to be deleted (also in skipped). */
  readonly deferred: string[];
  /** The effective limit the guard applied. */
  readonly maxRouteDeletes: number;
  readonly warnings: string[];
}

/** A configuration the planner cannot work with at all (the cluster pod CIDR). */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

/** max(3, ceil(10 % of the routes managed now)). */
export function defaultMaxRouteDeletes(currentRoutes: number): number {
  return Math.max(3, Math.ceil(currentRoutes / 10));
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function parseClusterPodCidr(podCidr: string): Ipv4Cidr {
  const parsed = parseIpv4Cidr(podCidr);
  if (!parsed.ok) throw new PlanError(`ksyun-route:podCidr: "${podCidr}" ${parsed.problem}`);
  return parsed.cidr;
}

function allFacts(input: NodeListInput): NodeFacts[] {
  const context = {
    podCidr: parseClusterPodCidr(input.podCidr),
    vpcInstanceIds: new Set([...input.vpcInstanceIds].map((id) => id.toLowerCase())),
  };
  return input.nodes.map((node) => readNodeFacts(node, context));
}

/**
 * The lower-cased systemUUIDs (sorted, unique) worth asking DescribeInstances about: those of nodes that would be
 * routed and have no instance id from an annotation or spec.providerID. Decided by readNodeFacts itself (with the
 * node's own systemUUID assumed to be in the VPC), so the rules live in one place.
 */
export function systemUuidsToCheck(input: Omit<NodeListInput, "vpcInstanceIds">): string[] {
  const podCidr = parseClusterPodCidr(input.podCidr);
  const uuids = input.nodes.flatMap((node) => {
    const uuid = node.status?.nodeInfo?.systemUUID?.trim().toLowerCase();
    if (!uuid) return [];
    const facts = readNodeFacts(node, { podCidr, vpcInstanceIds: new Set([uuid]) });
    return facts.status === "routable" && facts.source === "status.nodeInfo.systemUUID" ? [uuid] : [];
  });
  return [...new Set(uuids)].sort(byName);
}

/** The InternalIPs (sorted, unique) of nodes whose instance id only DescribeInstances by private IP can give. */
export function ipLookupsNeeded(input: NodeListInput): string[] {
  const ips = allFacts(input).flatMap((f) => (f.status === "needs-ip-lookup" ? [f.internalIp] : []));
  return [...new Set(ips)].sort(byName);
}

interface Candidate {
  readonly route: DesiredRoute;
  readonly cidr: Ipv4Cidr;
}

function resolveRoutes(facts: readonly NodeFacts[], ipToInstance: ReadonlyMap<string, string>) {
  const skipped: SkippedNode[] = [];
  const needsIpLookup = new Set<string>();
  const candidates: Candidate[] = [];
  for (const f of facts) {
    if (f.status === "skip") {
      skipped.push({ node: f.name, reason: f.reason, kind: f.kind });
      continue;
    }
    let instanceId: string;
    let source: InstanceIdSource;
    if (f.status === "routable") {
      instanceId = f.instanceId;
      source = f.source;
    } else {
      const found = normaliseInstanceId(ipToInstance.get(f.internalIp) ?? "");
      if (found === undefined) {
        needsIpLookup.add(f.internalIp);
        const reason = `no KEC instance id: ${f.tried.join("; ")}; InternalIP ${f.internalIp} matched no instance of the VPC`;
        skipped.push({ node: f.name, reason, kind: "trouble" });
        continue;
      }
      instanceId = found;
      source = "InternalIP";
    }
    const route: DesiredRoute = {
      nodeName: f.name,
      resourceName: routeResourceName(f.name),
      destinationCidrBlock: formatIpv4Cidr(f.podCidr),
      instanceId,
      instanceIdSource: source,
    };
    candidates.push({ route, cidr: f.podCidr });
  }
  return { candidates, skipped, needsIpLookup: [...needsIpLookup].sort(byName) };
}

const ALLOW_HINT = "run `pulumi config set ksyun-route:allowMassDeletion true` for one run and unset it afterwards";

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(", ");
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/**
 * Mass-deletion guard: why the deletes must be withheld, or undefined. Replaces do not count: the node keeps a
 * route, so no other node loses reachability. An empty node list, or one where no node keeps a route of its own,
 * withholds whatever the limit.
 */
function withholdReason(input: PlanInput, ownRoutes: number, deletes: readonly string[], max: number) {
  const current = input.current.length;
  if (deletes.length === 0) return undefined;
  if (input.nodes.length === 0) {
    return `delete all ${current} managed routes: the node list is empty (a failed or filtered list looks the same)`;
  }
  if (ownRoutes === 0)
    return `delete all ${current} managed routes: no node qualifies for a route (see the skip reasons)`;
  if (deletes.length > max) {
    const limit =
      input.maxRouteDeletes === undefined
        ? `the default limit max(3, 10% of ${current} managed routes) = ${max}`
        : `ksyun-route:maxRouteDeletes = ${max}`;
    return `delete ${deletes.length} routes, more than ${limit}: ${listNames(deletes)}`;
  }
  const before = deletes.filter((n) => input.previouslyWithheld?.has(n));
  if (before.length > 0) return `delete ${listNames(before)}, withheld before as part of a mass deletion`;
  return undefined;
}

export function planRoutes(input: PlanInput): RoutePlan {
  const { candidates, skipped, needsIpLookup } = resolveRoutes(allFacts(input), input.ipToInstance);
  const currentByNode = new Map(input.current.map((r) => [r.nodeName, r]));
  const currentIds = new Set(input.current.flatMap((r) => (r.routeId ? [r.routeId] : [])));
  const established = (r: DesiredRoute): boolean => {
    const old = currentByNode.get(r.nodeName);
    return old?.destinationCidrBlock === r.destinationCidrBlock && old.instanceId.toLowerCase() === r.instanceId;
  };

  const trouble = new Map<string, string>();
  const blame = (node: string, reason: string) => void (trouble.has(node) || trouble.set(node, reason));
  // Two nodes claiming one pod CIDR or one instance: the one whose route already exists keeps it; a newcomer
  // (or both, when neither has it yet) is in trouble.
  const collide = (a: Candidate, b: Candidate, what: (x: Candidate, y: Candidate) => string) => {
    const [aOk, bOk] = [established(a.route), established(b.route)];
    if (!aOk) blame(a.route.nodeName, what(a, b));
    if (!bOk) blame(b.route.nodeName, what(b, a));
  };
  for (const [a, b] of findOverlaps(candidates, (c) => c.cidr)) {
    collide(
      a,
      b,
      (x, y) =>
        `pod CIDR ${x.route.destinationCidrBlock} overlaps node "${y.route.nodeName}"'s ${y.route.destinationCidrBlock}`,
    );
  }
  const byInstance = new Map<string, Candidate>();
  for (const c of candidates) {
    const other = byInstance.get(c.route.instanceId);
    if (other === undefined) byInstance.set(c.route.instanceId, c);
    else {
      collide(
        other,
        c,
        (x, y) =>
          `shares KEC instance ${x.route.instanceId} (from ${x.route.instanceIdSource}) with node "${y.route.nodeName}" (from ${y.route.instanceIdSource})`,
      );
    }
  }
  for (const { route } of candidates) {
    if (established(route)) continue;
    const known = input.nodeTrouble?.get(route.nodeName);
    if (known !== undefined) blame(route.nodeName, known);
    const missing = input.missingInstances?.get(route.instanceId);
    if (missing !== undefined)
      blame(route.nodeName, `KEC instance ${route.instanceId} (from ${route.instanceIdSource}) ${missing}`);
    const holder = input.vpcRoutes?.get(route.destinationCidrBlock);
    const ours = holder !== undefined && currentIds.has(holder.routeId);
    const adoptable = holder?.routeType === "Host" && holder.nextHop === route.instanceId;
    if (holder && !ours && !adoptable && !input.replaceConflictingRoutes) {
      blame(
        route.nodeName,
        `destination ${route.destinationCidrBlock} is held by route ${holder.routeId} (${holder.routeType}, next hop ` +
          `${holder.nextHop ?? "none"}); remove it, or set ksyun-route:replaceConflictingRoutes true`,
      );
    }
  }

  // A node in trouble keeps the route it has, which in turn no new route may overlap; repeat until settled.
  const keptCidr = (node: string): Ipv4Cidr | undefined => {
    const old = currentByNode.get(node);
    const parsed = old && parseIpv4Cidr(old.destinationCidrBlock);
    return parsed?.ok ? parsed.cidr : undefined;
  };
  // Pulumi creates before it deletes, and KSYun refuses a second route for a destination, so a new route that
  // overlaps another node's route leaving in this run would fail every run (its delete never gets its turn).
  // Such a route waits one run instead.
  const desiredCidr = new Map(candidates.map((c) => [c.route.nodeName, c.route.destinationCidrBlock]));
  const deferred = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    const held = [...trouble.keys()].flatMap((node) => {
      const cidr = keptCidr(node);
      return cidr ? [{ node, cidr, verb: "keeps" }] : [];
    });
    const leaving = input.current.flatMap((old) => {
      const cidr = keptCidr(old.nodeName);
      return cidr && !trouble.has(old.nodeName) && desiredCidr.get(old.nodeName) !== old.destinationCidrBlock
        ? [{ node: old.nodeName, cidr, verb: "leaves" }]
        : [];
    });
    for (const { route, cidr } of candidates) {
      if (trouble.has(route.nodeName) || established(route)) continue;
      const blocker = [...held, ...leaving].find((h) => h.node !== route.nodeName && cidrsOverlap(h.cidr, cidr));
      if (blocker === undefined) continue;
      const old = currentByNode.get(blocker.node)!;
      const because = `pod CIDR ${route.destinationCidrBlock} overlaps route ${old.destinationCidrBlock} of node "${blocker.node}"`;
      if (blocker.verb === "leaves") {
        deferred.add(route.nodeName);
        blame(route.nodeName, `${because}, which this run deletes; its route follows on the next run`);
      } else {
        blame(route.nodeName, `${because}, which that node keeps while it is in trouble`);
      }
      changed = true;
    }
  }

  const routes: DesiredRoute[] = [];
  for (const { route } of candidates) {
    const reason = trouble.get(route.nodeName);
    if (reason === undefined) {
      routes.push(route);
      continue;
    }
    skipped.push({ node: route.nodeName, reason, kind: "trouble" });
  }
  const ownRoutes = routes.length;
  for (const s of skipped) {
    const old = currentByNode.get(s.node);
    if (s.kind === "trouble" && old)
      routes.push({ ...old, resourceName: routeResourceName(s.node), instanceIdSource: "kept" });
  }

  const declared = new Set(routes.map((r) => r.nodeName));
  const deletes = input.current
    .map((r) => r.nodeName)
    .filter((n) => !declared.has(n))
    .sort(byName);
  const max = input.maxRouteDeletes ?? defaultMaxRouteDeletes(input.current.length);
  const why = withholdReason(input, ownRoutes, deletes, max);
  const warnings: string[] = [];
  let withheld: string[] = [];
  let done = deletes;
  if (why !== undefined && input.allowMassDeletion) {
    warnings.push(`ksyun-route:allowMassDeletion let this run ${why}; unset it now.`);
  } else if (why !== undefined) {
    // A route already gone stays gone: holding it back would only make a refresh re-create it.
    const gone = (n: string) => input.goneRouteIds?.has(currentByNode.get(n)?.routeId ?? "") === true;
    withheld = deletes.filter((n) => !gone(n));
    done = deletes.filter(gone);
    for (const n of withheld) {
      routes.push({ ...currentByNode.get(n)!, resourceName: routeResourceName(n), instanceIdSource: "withheld" });
    }
    const more = why.startsWith("delete all") ? "" : ", or raise ksyun-route:maxRouteDeletes";
    warnings.push(
      `withholding ${withheld.length} route deletes: refusing to ${why}. To proceed, ${ALLOW_HINT}${more}.`,
    );
  }

  routes.sort((a, b) => byName(a.nodeName, b.nodeName));
  const isOwn = (r: DesiredRoute) => r.instanceIdSource !== "kept" && r.instanceIdSource !== "withheld";
  return {
    routes,
    skipped: skipped.sort((a, b) => byName(a.node, b.node)),
    needsIpLookup,
    creates: routes.filter((r) => isOwn(r) && !currentByNode.has(r.nodeName)).map((r) => r.nodeName),
    replaces: routes.filter((r) => isOwn(r) && currentByNode.has(r.nodeName) && !established(r)).map((r) => r.nodeName),
    deletes: done,
    withheld,
    deferred: [...deferred].sort(byName),
    maxRouteDeletes: max,
    warnings,
  };
}
