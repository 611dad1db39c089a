// The VpcRoute provider's logic over a RouteCloud handed in: check, diff, create, read, update, delete. One instance
// per provider process (runtime.ts), so the VPC listing it keeps is shared by every resource the process handles.
import type * as pulumi from "@pulumi/pulumi";
import { isKsyunApiError, type Route } from "./client/index.ts";
import { isHostRouteTo, nextHopOf, type RouteCloud } from "./cloud.ts";
import type { Handoff } from "./handoff.ts";
import { checkInputs, routeInputs, UNKNOWN, type RouteInputs } from "./inputs.ts";
import { RouteStore } from "./route-store.ts";

type Props = Record<string, unknown>;

/** Outputs without undefined values, which the engine's protobuf Struct cannot carry. */
function outputs(inputs: RouteInputs, route: Route, adopted: boolean): Props {
  const outs: Props = {
    vpcId: route.vpcId || inputs.vpcId,
    destinationCidrBlock: route.destinationCidrBlock,
    instanceId: nextHopOf(route) ?? inputs.instanceId,
    // What KSYun holds, when known: it cannot change a route's description later.
    description: route.description || inputs.description,
    routeTableId: route.routeTableId,
    replaceConflicting: inputs.replaceConflicting,
    routeId: route.routeId,
    nextHop: nextHopOf(route),
    createTime: route.createTime,
    adopted,
  };
  return Object.fromEntries(Object.entries(outs).filter(([, value]) => value !== undefined));
}

function conflict(inputs: RouteInputs, route: Route): Error {
  return new Error(
    `destination ${inputs.destinationCidrBlock} in VPC ${inputs.vpcId} is already routed by ${route.routeId} ` +
      `(${route.routeType}, next hop ${nextHopOf(route) ?? "none"}), not to ${inputs.instanceId}; remove that route, ` +
      "or set ksyun-route:replaceConflictingRoutes true to replace it",
  );
}

/** No KSYun SDK has a ModifyRoute: a new destination or next hop is a new route. */
const REPLACING = ["vpcId", "destinationCidrBlock", "instanceId"] as const;

export class RouteProvider {
  readonly #cloud: RouteCloud;
  readonly #store: RouteStore;
  readonly #handoff: Handoff | undefined;

  constructor(cloud: RouteCloud, options: { handoff?: Handoff | undefined; listingTtlMs?: number } = {}) {
    this.#cloud = cloud;
    this.#store = new RouteStore((vpcId) => cloud.list(vpcId), { ttlMs: options.listingTtlMs });
    this.#handoff = options.handoff;
  }

  async check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    return { inputs: news, failures: checkInputs(news) };
  }

  /**
   * Compares desired inputs with the live outputs, so drift found by a refresh shows up as a change. A new
   * description is no change: KSYun keeps the one a route was created with. Nor is a new `__provider` text: every
   * text any release wrote loads this same module (index.ts).
   */
  async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    const live = (key: (typeof REPLACING)[number]) =>
      key === "instanceId" ? (olds.nextHop ?? olds.instanceId) : olds[key];
    const replaces = REPLACING.filter((key) => news[key] === UNKNOWN || news[key] !== live(key));
    const changes = replaces.length > 0 || (olds.replaceConflicting === true) !== (news.replaceConflicting === true);
    return { changes, replaces, deleteBeforeReplace: true };
  }

  /**
   * Idempotent: adopts an identical existing host route; repairs a create interrupted after the API call. In a
   * watcher's run (a handoff is given) it only adopts: see handoff.ts.
   */
  async create(props: Props): Promise<pulumi.dynamic.CreateResult> {
    const inputs = routeInputs(props);
    const made = this.#handoff?.vpcId === inputs.vpcId ? this.#handoff.created : [];
    const handed = made.find(
      (r) => r.destinationCidrBlock === inputs.destinationCidrBlock && r.instanceId === inputs.instanceId,
    );
    if (handed) {
      const route = this.#hostRoute(inputs, handed.routeId);
      return { id: route.routeId, outs: outputs(inputs, route, true) };
    }
    const existing = (await this.#store.listing(inputs.vpcId)).byDestination.get(inputs.destinationCidrBlock);
    if (existing && isHostRouteTo(existing, inputs.instanceId)) {
      return { id: existing.routeId, outs: outputs(inputs, existing, true) };
    }
    if (this.#handoff) {
      throw new Error(
        `route ${inputs.destinationCidrBlock} → ${inputs.instanceId} not made: a watcher's run only records, and the ` +
          "watcher's event path makes every route after writing it to its ledger (its next pass makes this one)",
      );
    }
    if (existing) {
      if (!inputs.replaceConflicting) throw conflict(inputs, existing);
      await this.#cloud.delete(inputs.vpcId, existing.routeId);
      await this.#store.removed(inputs.vpcId, existing.routeId);
    }
    try {
      const { routeId, recovered } = await this.#cloud.create({
        vpcId: inputs.vpcId,
        destinationCidrBlock: inputs.destinationCidrBlock,
        instanceId: inputs.instanceId,
        ...(inputs.description ? { description: inputs.description } : {}),
      });
      const route = this.#hostRoute(inputs, routeId);
      await this.#store.added(route);
      return { id: routeId, outs: outputs(inputs, route, recovered) };
    } catch (error) {
      // The destination exists after all (made since our listing, or paged past it): adopt it if it is ours in
      // all but id.
      if (!isKsyunApiError(error) || error.kind !== "duplicate-destination") throw error;
      const now = (await this.#cloud.list(inputs.vpcId, inputs.destinationCidrBlock))[0];
      if (now && isHostRouteTo(now, inputs.instanceId)) {
        await this.#store.added(now);
        return { id: now.routeId, outs: outputs(inputs, now, true) };
      }
      throw now ? conflict(inputs, now) : error;
    }
  }

  /**
   * Live state from the VPC's (shared) listing; a route gone out of band returns no id, so Pulumi drops it. A
   * route the listing lacks may have been paged past: KSYun is asked by id before it counts as gone.
   */
  async read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
    const inputs = routeInputs(props);
    const route = (await this.#store.listing(inputs.vpcId)).byId.get(id) ?? (await this.#cloud.get(inputs.vpcId, id));
    if (!route) return {};
    const outs = outputs(inputs, route, props.adopted === true);
    const { routeId: _r, nextHop: _n, createTime: _c, adopted: _a, routeTableId: _t, ...liveInputs } = outs;
    return { id, props: outs, inputs: liveInputs };
  }

  /** Only what lives in the state alone changes in place (replaceConflicting): no KSYun call. */
  async update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: { ...olds, replaceConflicting: news.replaceConflicting === true } };
  }

  /** Deletes by the RouteId in state only (one we created or adopted); already gone counts as done. */
  async delete(id: string, props: Props): Promise<void> {
    const vpcId = routeInputs(props).vpcId;
    const deletedByWatcher = this.#handoff?.vpcId === vpcId && this.#handoff.deleted.includes(id);
    if (!deletedByWatcher) await this.#cloud.delete(vpcId, id);
    await this.#store.removed(vpcId, id);
  }

  #hostRoute(inputs: RouteInputs, routeId: string): Route {
    return {
      routeId,
      vpcId: inputs.vpcId,
      destinationCidrBlock: inputs.destinationCidrBlock,
      routeType: "Host",
      nextHopSet: [{ gatewayId: inputs.instanceId }],
    };
  }
}
