// The status view's pure core: the planner's answer (which node wants which route) against the VPC's live route
// table, one row per node and per VPC route nobody wants. No I/O: the CLI (main.ts) supplies every fact.
import { formatIpv4Cidr, parseIpv4Cidr } from "@ksyun-route/provider/cidr";
import type { Route } from "@ksyun-route/provider/client";
import type { RoutePlan } from "../program/contract.ts";

export const STATES = ["ok", "missing", "wrong-next-hop", "extra", "foreign", "skipped"] as const;
export type RowState = (typeof STATES)[number];

/** States that make the status fail (non-zero exit). `skipped` and `foreign` are shown but are not failures. */
export const FAILURE_STATES: ReadonlySet<RowState> = new Set<RowState>(["missing", "wrong-next-hop", "extra"]);

export interface StatusRow {
  readonly state: RowState;
  /** The node the row is about; absent for extra and foreign routes. */
  readonly node?: string;
  /** The destination CIDR: the node's pod CIDR, or the VPC route's destination. */
  readonly destination?: string;
  /** The KEC instance the node's route should point to. */
  readonly wantedNextHop?: string;
  /** The live route, when there is one. */
  readonly routeId?: string;
  readonly routeType?: string;
  readonly nextHop?: string;
  readonly description?: string;
  /** Whether the live route is in the stack's `routes` output (the stack manages it). */
  readonly managed?: boolean;
  readonly detail: string;
}

export interface StatusOptions {
  /**
   * The description prefix of this stack's routes, e.g. "ksyun-route c1 node " (see routeDescription in
   * program/names.ts). A route with it counts as ours even when the stack's outputs do not list it.
   * Default "ksyun-route": any ksyun-route stack's route.
   */
  readonly descriptionPrefix?: string;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical form, so "172.16.1.0/24" written either way matches; unparsable text is compared as is. */
function canonical(cidr: string): string {
  const parsed = parseIpv4Cidr(cidr);
  return parsed.ok ? formatIpv4Cidr(parsed.cidr) : cidr;
}

function nextHopOf(route: Route): string | undefined {
  return route.nextHopSet[0]?.gatewayId;
}

function routeFields(route: Route, managedRouteIds: ReadonlySet<string>) {
  const nextHop = nextHopOf(route);
  return {
    routeId: route.routeId,
    routeType: route.routeType,
    ...(nextHop === undefined ? {} : { nextHop }),
    ...(route.description ? { description: route.description } : {}),
    managed: managedRouteIds.has(route.routeId),
  };
}

/**
 * One row per node of the plan (ok, missing, wrong-next-hop or skipped, sorted by node name), then one row per VPC
 * route no node wants: extra when this stack manages it (its id is in `managedRouteIds`, the stack's `routes`
 * output, or its description starts with the stack's prefix), foreign otherwise (sorted by destination). A route
 * a skipped node keeps while in trouble is shown in that node's row; a delete the guard withholds is an extra row
 * saying so.
 *
 * - ok: the destination has a Host route to the node's instance (if the stack does not list it yet, `pulumi up`
 *   adopts it without an API call);
 * - missing: the VPC has no route for the node's pod CIDR;
 * - wrong-next-hop: the destination is routed elsewhere (another instance, or a route of another type).
 */
export function routeStatus(
  plan: Pick<RoutePlan, "routes" | "skipped" | "withheld">,
  vpcRoutes: readonly Route[],
  managedRouteIds: ReadonlySet<string>,
  options: StatusOptions = {},
): StatusRow[] {
  const prefix = options.descriptionPrefix ?? "ksyun-route";
  const byDestination = new Map<string, Route>();
  for (const route of vpcRoutes) {
    const key = canonical(route.destinationCidrBlock);
    // KSYun keeps one route per destination; should a listing repeat one, prefer a Host route.
    const seen = byDestination.get(key);
    if (seen === undefined || (seen.routeType !== "Host" && route.routeType === "Host")) byDestination.set(key, route);
  }

  const claimed = new Set<string>();
  const own = plan.routes.filter((r) => r.instanceIdSource !== "kept" && r.instanceIdSource !== "withheld");
  const keptBy = new Map(plan.routes.filter((r) => r.instanceIdSource === "kept").map((r) => [r.nodeName, r]));
  const withheld = new Set(plan.withheld);
  const nodeRows: StatusRow[] = own.map((want) => {
    const destination = canonical(want.destinationCidrBlock);
    const base = { node: want.nodeName, destination, wantedNextHop: want.instanceId };
    const live = byDestination.get(destination);
    if (live === undefined) {
      return { state: "missing", ...base, detail: "no route for this destination in the VPC" };
    }
    claimed.add(live.routeId);
    const fields = routeFields(live, managedRouteIds);
    const hop = fields.nextHop ?? "none";
    if (live.routeType === "Host" && hop.toLowerCase() === want.instanceId.toLowerCase()) {
      const detail = fields.managed
        ? `routed to its instance (from ${want.instanceIdSource})`
        : `routed to its instance (from ${want.instanceIdSource}); not in the stack's outputs yet: pulumi up adopts it`;
      return { state: "ok", ...base, ...fields, detail };
    }
    const what = live.routeType === "Host" ? "another instance" : `a ${live.routeType} route (next hop ${hop})`;
    return {
      state: "wrong-next-hop",
      ...base,
      ...fields,
      detail: `routed to ${what}, not to the node's instance (from ${want.instanceIdSource})`,
    };
  });
  const skippedRows: StatusRow[] = plan.skipped.map((s) => {
    const kept = keptBy.get(s.node);
    const live = kept && byDestination.get(canonical(kept.destinationCidrBlock));
    if (!live) return { state: "skipped", node: s.node, detail: s.reason };
    claimed.add(live.routeId);
    return {
      state: "skipped",
      node: s.node,
      ...routeFields(live, managedRouteIds),
      detail: `${s.reason}; keeps its route ${live.routeId} (${live.destinationCidrBlock}) meanwhile`,
    };
  });
  const withheldIds = new Set(
    plan.routes.filter((r) => withheld.has(r.nodeName) && r.routeId).map((r) => r.routeId as string),
  );

  const routeRows = vpcRoutes
    .filter((route) => !claimed.has(route.routeId))
    .map((route): StatusRow => {
      const fields = routeFields(route, managedRouteIds);
      const destination = canonical(route.destinationCidrBlock);
      if (withheldIds.has(route.routeId)) {
        const detail =
          "no node wants it, but the mass-deletion guard withholds its delete (see ksyun-route:allowMassDeletion)";
        return { state: "extra", destination, ...fields, detail };
      }
      if (fields.managed) {
        return { state: "extra", destination, ...fields, detail: "in the stack's routes output, but no node wants it" };
      }
      if (route.description?.startsWith(prefix)) {
        return {
          state: "extra",
          destination,
          ...fields,
          detail: `description starts with "${prefix.trim()}", but no node wants it`,
        };
      }
      const owner = route.system
        ? "a system route"
        : route.routeType !== "Host"
          ? `a ${route.routeType} route`
          : route.description?.startsWith("ksyun-route")
            ? "another ksyun-route stack's route"
            : "a Host route this stack does not manage";
      return { state: "foreign", destination, ...fields, detail: `not ours: ${owner}` };
    });
  const extra = routeRows.filter((r) => r.state === "extra");
  const foreign = routeRows.filter((r) => r.state === "foreign");
  const byDest = (a: StatusRow, b: StatusRow) =>
    byText(a.destination ?? "", b.destination ?? "") || byText(a.routeId ?? "", b.routeId ?? "");

  return [
    ...[...nodeRows, ...skippedRows].sort((a, b) => byText(a.node ?? "", b.node ?? "")),
    ...extra.sort(byDest),
    ...foreign.sort(byDest),
  ];
}

export type StateCounts = Record<RowState, number>;

export function countStates(rows: readonly StatusRow[]): StateCounts {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as StateCounts;
  for (const row of rows) counts[row.state] += 1;
  return counts;
}

/** True when no row is a failure (missing, wrong-next-hop, extra). */
export function isHealthy(rows: readonly StatusRow[]): boolean {
  return rows.every((row) => !FAILURE_STATES.has(row.state));
}
