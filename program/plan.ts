// The desired VPC host routes for a node list, the diff against the routes the stack manages now, and the
// safety checks that must pass before anything changes. Pure: the I/O edge supplies every cloud fact.
//
// Intended use by the edge (each lookup batched, each skipped when its list is empty):
//   const vpcInstanceIds = await instancesOfVpc(systemUuidsToCheck({ nodes, podCidr }));
//   const ips = ipLookupsNeeded({ nodes, podCidr, vpcInstanceIds });
//   const ipToInstance = ips.length ? await describeInstancesByPrivateIp(ips) : new Map();
//   const plan = planRoutes({ nodes, podCidr, vpcInstanceIds, ipToInstance, current, ... });
import type { V1Node } from "@kubernetes/client-node";
import { createHash } from "node:crypto";
import { cidrsOverlap, findOverlaps, formatIpv4Cidr, parseIpv4Cidr } from "@ksyun-route/provider/cidr";
import type { Ipv4Cidr } from "@ksyun-route/provider/cidr";
import { normaliseInstanceId, readNodeFacts } from "./node-facts.ts";
import type { InstanceIdSource, NodeFacts } from "./node-facts.ts";

/** A route as recorded in the previous stack state. */
export interface ManagedRoute {
  readonly nodeName: string;
  readonly destinationCidrBlock: string;
  readonly instanceId: string;
}

export interface DesiredRoute extends ManagedRoute {
  readonly resourceName: string;
  readonly instanceIdSource: InstanceIdSource;
}

export interface SkippedNode {
  readonly node: string;
  readonly reason: string;
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
}

export interface RoutePlan {
  /** Sorted by node name. */
  readonly routes: DesiredRoute[];
  /** Nodes present in the list but given no route, sorted by node name. */
  readonly skipped: SkippedNode[];
  /** InternalIPs whose instance the plan needed but ipToInstance lacked (those nodes are skipped). */
  readonly needsIpLookup: string[];
  /** Node names, sorted. A replace is the same node with a new CIDR or instance. */
  readonly creates: string[];
  readonly replaces: string[];
  readonly deletes: string[];
  /** Nodes whose route waits one run for another node's overlapping route to be deleted (also in skipped). */
  readonly deferred: string[];
  /** The effective limit the guard applied. */
  readonly maxRouteDeletes: number;
  readonly warnings: string[];
}

export type PlanErrorKind = "input" | "conflict" | "mass-deletion";

export class PlanError extends Error {
  readonly kind: PlanErrorKind;
  constructor(kind: PlanErrorKind, message: string) {
    super(message);
    this.name = "PlanError";
    this.kind = kind;
  }
}

const MAX_RESOURCE_NAME = 128;

/**
 * Stable per node, so Pulumi keeps one resource per node across runs. Node names (DNS subdomains, ≤ 253
 * characters) are valid resource names; beyond 128 characters (readable URNs, not a hard Pulumi limit) the name is
 * cut and a hash of the full node name keeps it unique.
 */
export function routeResourceName(nodeName: string): string {
  const name = `route-${nodeName}`;
  if (name.length <= MAX_RESOURCE_NAME) return name;
  const hash = createHash("sha256").update(nodeName).digest("hex").slice(0, 10);
  return `${name.slice(0, MAX_RESOURCE_NAME - hash.length - 1)}-${hash}`;
}

/** max(3, ceil(10 % of the routes managed now)). */
export function defaultMaxRouteDeletes(currentRoutes: number): number {
  return Math.max(3, Math.ceil(currentRoutes / 10));
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function parseClusterPodCidr(podCidr: string): Ipv4Cidr {
  const parsed = parseIpv4Cidr(podCidr);
  if (!parsed.ok) throw new PlanError("input", `ksyun-route:podCidr: "${podCidr}" ${parsed.problem}`);
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
  readonly name: string;
  readonly cidr: Ipv4Cidr;
}

function assertNoCidrConflicts(candidates: readonly Candidate[]): void {
  const lines = findOverlaps(candidates, (c) => c.cidr).map(
    ([a, b]) =>
      `pod CIDR conflict: node "${a.name}" has ${formatIpv4Cidr(a.cidr)} and node "${b.name}" has ${formatIpv4Cidr(b.cidr)}`,
  );
  if (lines.length > 0) {
    throw new PlanError("conflict", `${lines.join("\n")}\nNo route was changed; fix the nodes' spec.podCIDRs.`);
  }
}

function assertNoInstanceConflicts(routes: readonly DesiredRoute[]): void {
  const first = new Map<string, DesiredRoute>();
  const lines: string[] = [];
  for (const route of routes) {
    const other = first.get(route.instanceId);
    if (other === undefined) first.set(route.instanceId, route);
    else {
      lines.push(
        `instance conflict: nodes "${other.nodeName}" (${other.destinationCidrBlock}, from ${other.instanceIdSource}) and ` +
          `"${route.nodeName}" (${route.destinationCidrBlock}, from ${route.instanceIdSource}) both resolve to KEC instance ${route.instanceId}`,
      );
    }
  }
  if (lines.length > 0) throw new PlanError("conflict", `${lines.join("\n")}\nNo route was changed.`);
}

const ALLOW_HINT = "run `pulumi config set ksyun-route:allowMassDeletion true` for one run and unset it afterwards";

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(", ");
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/**
 * Mass-deletion guard; returns the effective limit and the warnings of an override. Replaces do not count: the
 * node keeps a route, so no other node loses reachability. An empty node list, or a plan left without any route,
 * refuses whatever the limit.
 */
function guard(input: PlanInput, routes: readonly DesiredRoute[], deletes: readonly string[]) {
  const current = input.current.length;
  const max = input.maxRouteDeletes ?? defaultMaxRouteDeletes(current);
  let why: string | undefined;
  let hint = `To proceed, ${ALLOW_HINT}.`;
  if (current > 0 && input.nodes.length === 0) {
    why = `delete all ${current} managed routes: the node list is empty (a failed or filtered list looks the same)`;
  } else if (current > 0 && routes.length === 0) {
    why = `delete all ${current} managed routes: no node qualifies for a route (see the skip reasons)`;
  } else if (deletes.length > max) {
    const limit =
      input.maxRouteDeletes === undefined
        ? `the default limit max(3, 10% of ${current} managed routes) = ${max}`
        : `ksyun-route:maxRouteDeletes = ${max}`;
    why = `delete ${deletes.length} routes, more than ${limit}: ${listNames(deletes)}`;
    hint = `To proceed, ${ALLOW_HINT}, or raise ksyun-route:maxRouteDeletes.`;
  }
  if (why === undefined) return { max, warnings: [] };
  if (!input.allowMassDeletion) throw new PlanError("mass-deletion", `refusing to ${why}. ${hint}`);
  return { max, warnings: [`ksyun-route:allowMassDeletion let this run ${why}; unset it now.`] };
}

interface Resolved {
  readonly route: DesiredRoute;
  readonly cidr: Ipv4Cidr;
}

function resolveRoutes(facts: readonly NodeFacts[], ipToInstance: ReadonlyMap<string, string>) {
  const skipped: SkippedNode[] = [];
  const needsIpLookup = new Set<string>();
  const resolved: Resolved[] = [];
  for (const f of facts) {
    if (f.status === "skip") {
      skipped.push({ node: f.name, reason: f.reason });
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
        skipped.push({ node: f.name, reason });
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
    resolved.push({ route, cidr: f.podCidr });
  }
  resolved.sort((a, b) => byName(a.route.nodeName, b.route.nodeName));
  return { resolved, skipped, needsIpLookup: [...needsIpLookup].sort(byName) };
}

export function planRoutes(input: PlanInput): RoutePlan {
  const facts = allFacts(input);
  assertNoCidrConflicts(facts.flatMap((f) => (f.status === "skip" ? [] : [{ name: f.name, cidr: f.podCidr }])));
  const { resolved, skipped, needsIpLookup } = resolveRoutes(facts, input.ipToInstance);
  assertNoInstanceConflicts(resolved.map((r) => r.route));

  const currentByNode = new Map(input.current.map((r) => [r.nodeName, r]));
  const isNew = (r: DesiredRoute): boolean => {
    const old = currentByNode.get(r.nodeName);
    return (
      old === undefined ||
      old.destinationCidrBlock !== r.destinationCidrBlock ||
      old.instanceId.toLowerCase() !== r.instanceId
    );
  };

  // Pulumi creates before it deletes, and KSYun refuses a second route for a destination, so a new route that
  // overlaps another node's route leaving in this run would fail every run (its delete never gets its turn).
  // Such a route waits one run instead.
  const desiredCidr = new Map(resolved.map((r) => [r.route.nodeName, r.route.destinationCidrBlock]));
  const leaving = input.current.flatMap((old) => {
    const parsed = parseIpv4Cidr(old.destinationCidrBlock);
    return parsed.ok && desiredCidr.get(old.nodeName) !== old.destinationCidrBlock ? [{ old, cidr: parsed.cidr }] : [];
  });
  const deferred: string[] = [];
  const routes = resolved.flatMap(({ route, cidr }) => {
    const blocker = isNew(route)
      ? leaving.find((l) => l.old.nodeName !== route.nodeName && cidrsOverlap(l.cidr, cidr))?.old
      : undefined;
    if (blocker === undefined) return [route];
    deferred.push(route.nodeName);
    skipped.push({
      node: route.nodeName,
      reason:
        `pod CIDR ${route.destinationCidrBlock} overlaps route ${blocker.destinationCidrBlock} of node "${blocker.nodeName}", ` +
        "which this run deletes; its route follows on the next run",
    });
    return [];
  });

  const kept = new Set(routes.map((r) => r.nodeName));
  const deletes = [...currentByNode.keys()].filter((n) => !kept.has(n)).sort(byName);
  const { max, warnings } = guard(input, routes, deletes);

  return {
    routes,
    skipped: skipped.sort((a, b) => byName(a.node, b.node)),
    needsIpLookup,
    creates: routes.filter((r) => !currentByNode.has(r.nodeName)).map((r) => r.nodeName),
    replaces: routes.filter((r) => currentByNode.has(r.nodeName) && isNew(r)).map((r) => r.nodeName),
    deletes,
    deferred,
    maxRouteDeletes: max,
    warnings,
  };
}
