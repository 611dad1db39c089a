// The event path: the leader's own KSYun calls for node changes, decided by the program's planner on the
// informer's cache. A joining node's route is one CreateRoute (its intent written to the ledger first), a removed
// node's one DeleteRoute by RouteId while the deletion budget allows; no listing per event: what a listing said and
// what this path did itself is kept. The convergence run (controller.ts) records what happened here (handoff()).
import type { V1Node } from "@kubernetes/client-node";
import type { Route } from "@ksyun-route/provider/client";
import type { RouteCloud } from "@ksyun-route/provider/cloud";
import { isKsyunApiError } from "@ksyun-route/provider/client";
import type { Handoff, HandoffRoute } from "@ksyun-route/provider/handoff";
import {
  ipLookupsNeeded,
  managedRoutes,
  planRoutes,
  routingView,
  systemUuidsToCheck,
  type ManagedRoute,
  type PlanInput,
  type RoutePlan,
  type StackOutputs,
  type VpcRouteFact,
} from "../program/contract.ts";
import type { Ledger, LedgerEntry } from "./ledger.ts";

/** What the planner needs from the stack config, read afresh by every convergence run. */
export type PlanSettings = Pick<
  PlanInput,
  "podCidr" | "maxRouteDeletes" | "allowMassDeletion" | "replaceConflictingRoutes"
>;

/** DescribeInstances answers for nodes found by systemUUID or InternalIP (program/lookups.ts). */
interface InstanceLookups {
  vpcInstanceIds(candidates: readonly string[]): Promise<ReadonlySet<string>>;
  byPrivateIp(ips: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

/** One node's standing after a pass, for its NetworkUnavailable condition and Events (gate.ts). */
export type NodeRouteState =
  | { readonly state: "routed"; readonly destination: string; readonly routeId: string; readonly instanceId: string }
  | { readonly state: "pending"; readonly reason: string }
  | { readonly state: "trouble"; readonly reason: string }
  /** Excluded or nothing to route (no pod CIDR yet): no condition of ours. */
  | { readonly state: "none"; readonly reason: string };

export interface PassReport {
  readonly plan: RoutePlan;
  readonly states: ReadonlyMap<string, NodeRouteState>;
  /** KSYun calls this pass made or adoptions it recorded: a convergence run has something to record. */
  readonly acted: boolean;
}

export interface RouteSyncOptions {
  readonly cloud: RouteCloud;
  readonly vpcId: string;
  readonly ledger: Ledger;
  readonly lookups: InstanceLookups;
  readonly nodes: () => readonly V1Node[];
  readonly description: (node: string) => string;
  /** The node a listed route was made for by this cluster, from its description (program/names.ts). */
  readonly describedNode: (description: string | undefined) => string | undefined;
  /** Called after every pass, for every route call with its outcome, and for a pass that failed (retried). */
  readonly onPass: (report: PassReport) => void;
  readonly onCall: (op: RouteOp, ok: boolean, node: string, error?: unknown) => void;
  readonly onError: (error: unknown) => void;
  /** Delay before passes after a failed call retry it (ms, by attempt). */
  readonly retryDelay: (attempt: number) => number;
}

type RouteOp = "create" | "delete" | "adopt";

/** A route this path knows to exist: made or adopted here and not yet recorded. */
interface Made extends HandoffRoute {
  readonly node: string;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);
const hopOf = (route: Route | undefined) => route?.nextHopSet[0]?.gatewayId;
const viewOf = (node: V1Node | undefined) => JSON.stringify(node ? routingView(node) : {});

function fact(route: Route): VpcRouteFact {
  return { routeId: route.routeId, routeType: route.routeType, nextHop: route.nextHopSet[0]?.gatewayId };
}

export class RouteSync {
  readonly #o: RouteSyncOptions;
  #settings: PlanSettings | undefined;
  /** The routes of the stack's outputs after the last convergence run. */
  #recorded: ManagedRoute[] = [];
  /** Deletes withheld by the last plan or run: they stay withheld until an operator allows them. */
  #withheld = new Set<string>();
  #made = new Map<string, Made>();
  /** The last pass's plan, under the current settings. */
  #plan: RoutePlan | undefined;
  /**
   * Nodes whose routes convergence runs are still to declare in a sweep of every route, which a new term and new
   * settings start (`#sweepNext`): a route's inputs may have changed although nothing about its node did.
   */
  #sweep = new Set<string>();
  #sweepNext = true;
  /** Route ids this path deleted that the state may still hold. */
  #gone = new Set<string>();
  /** The VPC's routes by destination: the last listing plus this path's own calls. */
  #vpc = new Map<string, Route>();
  readonly #missingInstances = new Map<string, string>();
  /** Nodes whose route KSYun refused, with the node's routing view at the time (a change clears it). */
  readonly #trouble = new Map<string, { reason: string; view: string }>();
  readonly #inFlight = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #vpcInstanceIds = new Set<string>();
  readonly #ipToInstance = new Map<string, string>();
  #scheduled: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  readonly #settled = new Set<() => void>();

  constructor(options: RouteSyncOptions) {
    this.#o = options;
  }

  /**
   * Takes over as leader: the stack's outputs, a listing of the VPC, and the ledger. Entries of the ledger the
   * state lacks count as routes made here, so the first pass keeps what a node still wants and deletes the rest.
   */
  start(settings: PlanSettings, outputs: StackOutputs, listing: readonly Route[], ledger: readonly LedgerEntry[]) {
    this.#stopped = false;
    this.#settings = settings;
    this.#plan = undefined;
    this.#sweepNext = true;
    this.#recorded = managedRoutes(outputs.routes);
    this.#withheld = new Set(outputs.withheldDeletes);
    this.#vpc = new Map(listing.map((r) => [r.destinationCidrBlock, r]));
    this.#made.clear();
    this.#gone.clear();
    const recordedIds = new Set(this.#recorded.map((r) => r.routeId));
    const settled: string[] = [];
    for (const entry of ledger) {
      const live = this.#vpc.get(entry.destination);
      const routeId = entry.routeId ?? (hopOf(live) === entry.instanceId ? live?.routeId : undefined);
      // Without a route id the intent's CreateRoute made nothing the listing shows; with one the state has, the
      // route is recorded: either way nothing is left to keep.
      if (routeId === undefined || recordedIds.has(routeId)) settled.push(entry.destination);
      else {
        const { node, instanceId, destination } = entry;
        this.#made.set(node, { node, routeId, destinationCidrBlock: destination, instanceId });
      }
    }
    void this.#o.ledger.forget(settled).catch((error: unknown) => this.#o.onError(error));
    this.trigger();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#scheduled);
    clearTimeout(this.#retry);
  }

  /** The config a convergence run read: a change is planned by a new pass (the same config needs none). */
  configure(settings: PlanSettings): void {
    if (JSON.stringify(settings) === JSON.stringify(this.#settings)) return;
    this.#plan = undefined;
    this.#sweepNext = true;
    this.#settings = settings;
    this.trigger();
  }

  /** A fresh listing (the periodic sync): routes deleted or re-pointed out of band are repaired by the next pass. */
  relisted(listing: readonly Route[]): void {
    this.#vpc = new Map(listing.map((r) => [r.destinationCidrBlock, r]));
    this.#missingInstances.clear();
    this.#trouble.clear();
    this.#vpcInstanceIds.clear();
    this.#ipToInstance.clear();
    this.trigger();
  }

  /**
   * The nodes whose routes a convergence run has to declare: the last plan's creates, replaces and deletes, what
   * this path made or deleted, and recorded routes the VPC no longer has as recorded; then the rest of the sweep.
   * Changes come first: a run that takes only part of the list must not leave them to a later one, which may not
   * refresh. Undefined before a pass under the current settings: the run then declares every route.
   */
  touched(): readonly string[] | undefined {
    const plan = this.#plan;
    if (!plan) return undefined;
    if (this.#sweepNext) {
      this.#sweepNext = false;
      this.#sweep = new Set([...this.#recorded.map((r) => r.nodeName), ...plan.routes.map((r) => r.nodeName)]);
    }
    const changed = new Set([...plan.creates, ...plan.replaces, ...plan.deletes, ...this.#made.keys()]);
    const current = new Map(this.#current().map((r) => [r.nodeName, r]));
    for (const r of this.#recorded) {
      const now = current.get(r.nodeName);
      if (now?.routeId !== r.routeId || now?.instanceId !== r.instanceId || this.#gone.has(r.routeId ?? "")) {
        changed.add(r.nodeName);
      }
    }
    return [...changed, ...[...this.#sweep].filter((node) => !changed.has(node)).sort()];
  }

  /** What this path did since the last recording, for the convergence run about to start. */
  handoff(): Handoff {
    return {
      vpcId: this.#o.vpcId,
      created: [...this.#made.values()].map(({ routeId, destinationCidrBlock, instanceId }) => ({
        routeId,
        destinationCidrBlock,
        instanceId,
      })),
      deleted: [...this.#gone],
      trouble: Object.fromEntries([...this.#trouble].map(([node, t]) => [node, t.reason])),
    };
  }

  /**
   * A convergence run given `handoff` recorded `outputs`: routes made here that the state now holds leave the
   * ledger, and deletes it recorded are forgotten. Made routes the run did not record stay (and the next pass
   * decides them), so none is lost.
   */
  async recorded(outputs: StackOutputs, handoff: Handoff): Promise<void> {
    this.#recorded = managedRoutes(outputs.routes);
    if (handoff.scope) for (const node of handoff.scope) this.#sweep.delete(node);
    else [this.#sweep, this.#sweepNext] = [new Set(), false];
    for (const node of outputs.withheldDeletes) this.#withheld.add(node);
    const inState = new Set(this.#recorded.map((r) => r.routeId));
    const done = [...this.#made.values()].filter((m) => inState.has(m.routeId));
    for (const m of done) this.#made.delete(m.node);
    for (const id of handoff.deleted) if (!inState.has(id)) this.#gone.delete(id);
    await this.#o.ledger.forget(done.map((m) => m.destinationCidrBlock));
    this.trigger();
  }

  /** Coalesces the triggers of one burst of informer events (same tick) into one pass. */
  trigger(): void {
    if (this.#stopped || this.#scheduled) return;
    this.#scheduled = setTimeout(() => {
      this.#scheduled = undefined;
      void this.#pass();
    }, 1);
  }

  /** Resolves when no pass and no call of this path is under way. */
  idle(): Promise<void> {
    if (!this.#busy()) return Promise.resolve();
    return new Promise((resolve) => this.#settled.add(resolve));
  }

  get ledgerSize(): number {
    return this.#o.ledger.size;
  }

  #busy(): boolean {
    return this.#running !== undefined || this.#scheduled !== undefined || this.#inFlight.size > 0;
  }

  #notifyIdle(): void {
    if (this.#busy()) return;
    for (const resolve of this.#settled) resolve();
    this.#settled.clear();
  }

  #pass(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#planAndAct()
      .catch((error: unknown) => {
        this.#o.onError(error);
        this.#retryLater("");
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.trigger();
        }
        this.#notifyIdle();
      });
    return this.#running;
  }

  /**
   * The managed routes as the planner sees them: recorded ones, overridden by what this path made, and the
   * cluster's own routes that neither knows whose node has gone (made by a run killed before it saved its state),
   * so that the planner deletes them.
   */
  #current(): ManagedRoute[] {
    const byNode = new Map(this.#recorded.map((r) => [r.nodeName, r]));
    for (const m of this.#made.values()) {
      byNode.set(m.node, {
        nodeName: m.node,
        destinationCidrBlock: m.destinationCidrBlock,
        instanceId: m.instanceId,
        routeId: m.routeId,
      });
    }
    const known = new Set([...byNode.values()].map((r) => r.routeId));
    const nodes = new Set(this.#o.nodes().map((n) => n.metadata?.name));
    for (const route of this.#vpc.values()) {
      const node = this.#o.describedNode(route.description);
      const instanceId = hopOf(route);
      if (route.routeType !== "Host" || !node || !instanceId) continue;
      if (nodes.has(node) || byNode.has(node) || known.has(route.routeId)) continue;
      byNode.set(node, {
        nodeName: node,
        destinationCidrBlock: route.destinationCidrBlock,
        instanceId,
        routeId: route.routeId,
      });
    }
    // A route the VPC no longer has at its destination (deleted out of band) is gone: its node needs a new one. A
    // re-pointed one is the node's route to another instance: its plan replaces it.
    return [...byNode.values()].flatMap((r) => {
      if (r.routeId === undefined || this.#gone.has(r.routeId)) return [r];
      const live = this.#vpc.get(r.destinationCidrBlock);
      if (live?.routeId !== r.routeId) return [];
      const hop = hopOf(live);
      return [hop && hop !== r.instanceId ? { ...r, instanceId: hop } : r];
    });
  }

  async #planAndAct(): Promise<void> {
    const settings = this.#settings;
    if (this.#stopped || !settings) return;
    const nodes = this.#o.nodes();
    await this.#lookUpInstances(nodes, settings.podCidr);
    const byName = new Map(nodes.map((n) => [n.metadata?.name ?? "", n]));
    for (const [node, t] of this.#trouble) if (viewOf(byName.get(node)) !== t.view) this.#trouble.delete(node);
    const current = this.#current();
    const plan = planRoutes({
      ...settings,
      nodes,
      vpcInstanceIds: this.#vpcInstanceIds,
      ipToInstance: this.#ipToInstance,
      current,
      missingInstances: this.#missingInstances,
      vpcRoutes: new Map([...this.#vpc].map(([destination, route]) => [destination, fact(route)])),
      goneRouteIds: this.#gone,
      nodeTrouble: new Map([...this.#trouble].map(([node, t]) => [node, t.reason])),
      previouslyWithheld: this.#withheld,
    });
    this.#withheld = new Set(plan.withheld);
    this.#plan = plan;
    const currentByNode = new Map(current.map((r) => [r.nodeName, r]));
    const idle = (node: string) => !this.#inFlight.has(node);
    const deletes = plan.deletes.flatMap((node) => {
      const old = currentByNode.get(node);
      return old && idle(node) && !(old.routeId && this.#gone.has(old.routeId)) ? [old] : [];
    });
    const adoptions: LedgerEntry[] = [];
    const creates: ManagedRoute[] = [];
    const replaces: { old: ManagedRoute; route: ManagedRoute }[] = [];
    for (const route of plan.routes.filter((r) => idle(r.nodeName))) {
      const isCreate = plan.creates.includes(route.nodeName);
      if (!isCreate && !plan.replaces.includes(route.nodeName)) continue;
      const live = this.#vpc.get(route.destinationCidrBlock);
      const old = currentByNode.get(route.nodeName);
      if (live?.routeType === "Host" && hopOf(live) === route.instanceId) {
        const { destinationCidrBlock: destination, nodeName: node, instanceId } = route;
        adoptions.push({ destination, node, instanceId, routeId: live.routeId });
      }
      if (old && !isCreate) replaces.push({ old, route });
      else if (!(live?.routeType === "Host" && hopOf(live) === route.instanceId)) creates.push(route);
    }
    if (adoptions.length > 0) {
      await this.#o.ledger.record(adoptions);
      for (const a of adoptions) {
        this.#made.set(a.node, {
          node: a.node,
          routeId: a.routeId!,
          destinationCidrBlock: a.destination,
          instanceId: a.instanceId,
        });
        this.#o.onCall("adopt", true, a.node);
      }
    }
    // Durable before any CreateRoute: a leader that dies after the call leaves its route findable.
    await this.#o.ledger.record(creates.map(intentOf));
    const replaceConflicting = settings.replaceConflictingRoutes === true;
    for (const old of deletes) void this.#track(old.nodeName, () => this.#delete(old));
    for (const route of creates) void this.#track(route.nodeName, () => this.#create(route, replaceConflicting));
    for (const { old, route } of replaces) {
      // KSYun keeps one route per destination: the old one goes first, then the new one's intent and create.
      void this.#track(route.nodeName, async () => {
        if (!(old.routeId && this.#gone.has(old.routeId))) await this.#delete(old);
        if (adoptions.some((a) => a.node === route.nodeName)) return;
        await this.#o.ledger.record([intentOf(route)]);
        await this.#create(route, replaceConflicting);
      });
    }
    const acted = adoptions.length + deletes.length + creates.length + replaces.length > 0;
    this.#o.onPass({ plan, states: this.#states(plan), acted });
  }

  async #track(node: string, action: () => Promise<void>): Promise<void> {
    this.#inFlight.add(node);
    try {
      await action();
      this.#failures.delete(node);
    } catch (error) {
      this.#o.onError(error);
      this.#retryLater(node);
    } finally {
      this.#inFlight.delete(node);
      this.trigger();
      this.#notifyIdle();
    }
  }

  /** Another pass after a failure, sooner for a first failure than for repeated ones. */
  #retryLater(node: string): void {
    const attempt = (this.#failures.get(node) ?? 0) + 1;
    this.#failures.set(node, attempt);
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => this.trigger(), this.#o.retryDelay(attempt));
  }

  async #delete(route: ManagedRoute): Promise<void> {
    const live = this.#vpc.get(route.destinationCidrBlock);
    const routeId = route.routeId ?? (hopOf(live) === route.instanceId ? live?.routeId : undefined);
    if (routeId !== undefined) {
      try {
        await this.#o.cloud.delete(this.#o.vpcId, routeId);
      } catch (error) {
        this.#o.onCall("delete", false, route.nodeName, error);
        throw error;
      }
      this.#gone.add(routeId);
      if (live?.routeId === routeId) this.#vpc.delete(route.destinationCidrBlock);
      this.#o.onCall("delete", true, route.nodeName);
    }
    const made = this.#made.get(route.nodeName);
    if (made && made.routeId === routeId) {
      this.#made.delete(route.nodeName);
      await this.#o.ledger.forget([made.destinationCidrBlock]);
    }
  }

  async #create(route: ManagedRoute, replaceConflicting: boolean): Promise<void> {
    const { vpcId, cloud, ledger } = this.#o;
    const node = route.nodeName;
    const holder = this.#vpc.get(route.destinationCidrBlock);
    if (holder && replaceConflicting && hopOf(holder) !== route.instanceId) {
      await cloud.delete(vpcId, holder.routeId);
      this.#vpc.delete(route.destinationCidrBlock);
    }
    let routeId: string;
    try {
      const input = { vpcId, destinationCidrBlock: route.destinationCidrBlock, instanceId: route.instanceId };
      routeId = (await cloud.create({ ...input, description: this.#o.description(node) })).routeId;
    } catch (error) {
      this.#o.onCall("create", false, node, error);
      if (!(await this.#refused(route, error))) throw error;
      return;
    }
    this.#made.set(node, {
      node,
      routeId,
      destinationCidrBlock: route.destinationCidrBlock,
      instanceId: route.instanceId,
    });
    this.#vpc.set(route.destinationCidrBlock, {
      routeId,
      vpcId,
      destinationCidrBlock: route.destinationCidrBlock,
      routeType: "Host",
      nextHopSet: [{ gatewayId: route.instanceId }],
    });
    this.#o.onCall("create", true, node);
    await ledger.record([{ ...intentOf(route), routeId }]);
  }

  /**
   * What KSYun's refusal of a create means for its node: an identical route already there is adopted; another
   * route there, a missing instance or a full quota is that node's trouble (its intent is dropped: nothing was
   * made). False: not a refusal, retried later.
   */
  async #refused(route: ManagedRoute, error: unknown): Promise<boolean> {
    if (!isKsyunApiError(error)) return false;
    const { nodeName: node, destinationCidrBlock: destination, instanceId } = route;
    if (error.kind === "duplicate-destination") {
      const now = (await this.#o.cloud.list(this.#o.vpcId, destination))[0];
      if (now) this.#vpc.set(destination, now);
      if (now?.routeType === "Host" && hopOf(now) === instanceId) {
        this.#made.set(node, { node, routeId: now.routeId, destinationCidrBlock: destination, instanceId });
        await this.#o.ledger.record([{ ...intentOf(route), routeId: now.routeId }]);
        this.#o.onCall("adopt", true, node);
        return true;
      }
    } else if (error.kind === "not-found" && error.action.startsWith("Create")) {
      this.#missingInstances.set(instanceId, `was refused by KSYun: ${error.code}: ${error.serverMessage}`);
    } else if (error.kind === "quota" || error.kind === "invalid-parameter") {
      const view = viewOf(this.#o.nodes().find((n) => n.metadata?.name === node));
      this.#trouble.set(node, { reason: `KSYun refused its route: ${errorText(error)}`, view });
    } else {
      return false;
    }
    await this.#o.ledger.forget([destination]);
    return true;
  }

  async #lookUpInstances(nodes: readonly V1Node[], podCidr: string): Promise<void> {
    const uuids = systemUuidsToCheck({ nodes, podCidr }).filter((u) => !this.#vpcInstanceIds.has(u));
    if (uuids.length > 0) for (const id of await this.#o.lookups.vpcInstanceIds(uuids)) this.#vpcInstanceIds.add(id);
    const ips = ipLookupsNeeded({ nodes, podCidr, vpcInstanceIds: this.#vpcInstanceIds }).filter(
      (ip) => !this.#ipToInstance.has(ip),
    );
    if (ips.length > 0) for (const [ip, id] of await this.#o.lookups.byPrivateIp(ips)) this.#ipToInstance.set(ip, id);
  }

  #states(plan: RoutePlan): Map<string, NodeRouteState> {
    const states = new Map<string, NodeRouteState>();
    const made = (node: string) => this.#made.get(node);
    const recorded = new Map(this.#recorded.map((r) => [r.nodeName, r]));
    for (const route of plan.routes) {
      if (route.instanceIdSource === "kept" || route.instanceIdSource === "withheld") continue;
      const existing = made(route.nodeName) ?? recorded.get(route.nodeName);
      const routed =
        existing?.routeId !== undefined &&
        existing.destinationCidrBlock === route.destinationCidrBlock &&
        existing.instanceId === route.instanceId &&
        !this.#gone.has(existing.routeId);
      states.set(
        route.nodeName,
        routed
          ? {
              state: "routed",
              destination: route.destinationCidrBlock,
              routeId: existing.routeId!,
              instanceId: route.instanceId,
            }
          : { state: "pending", reason: `its route ${route.destinationCidrBlock} → ${route.instanceId} is being made` },
      );
    }
    for (const s of plan.skipped) {
      states.set(
        s.node,
        s.kind === "trouble" ? { state: "trouble", reason: s.reason } : { state: "none", reason: s.reason },
      );
    }
    return states;
  }
}

function intentOf(route: ManagedRoute): LedgerEntry {
  return { destination: route.destinationCidrBlock, node: route.nodeName, instanceId: route.instanceId };
}
