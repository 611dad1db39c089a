// The leader's event path, put together from the stack's configuration: the KSYun client and cloud seam, the
// instance lookups, the ledger, and the RouteSync that acts; its passes go to the node reporter (conditions,
// Events) and the metrics. Built when a term starts and rebuilt when the KSYun settings change.
import { writeHandoff, HANDOFF_ENV, type Handoff } from "@ksyun-route/provider/handoff";
import { ksyunCloud } from "@ksyun-route/provider/cloud";
import { clientFromSettings, readSettings, type ProviderSettings } from "@ksyun-route/provider/config";
import type { KsyunClient } from "@ksyun-route/provider/client";
import type { V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import {
  describedNode,
  instancesByPrivateIp,
  NAMESPACE,
  parseConfig,
  routeDescription,
  vpcInstanceIds,
  type ProgramConfig,
  type StackOutputs,
} from "../program/contract.ts";
import { backoffDelay } from "./backoff.ts";
import type { Ledger } from "./ledger.ts";
import type { Metrics } from "./metrics.ts";
import { conditionPatch, stateEvents, wantedCondition, type NodeEvent } from "./node-report.ts";
import { RouteSync, type NodeRouteState, type PassReport } from "./route-sync.ts";

export interface EventPathOptions {
  /** The stack's configuration as the runs read it (namespaced keys, secrets decrypted). */
  readonly config: () => Promise<Record<string, string>>;
  readonly outputs: () => Promise<StackOutputs>;
  readonly nodes: () => readonly V1Node[];
  readonly node: (name: string) => V1Node | undefined;
  readonly ledger: Ledger;
  readonly reporter: {
    patchStatus(node: string, patch: object): Promise<void>;
    emit(events: readonly NodeEvent[]): Promise<void>;
    /** A Warning Event about the watcher itself (its Lease): withheld deletes. */
    warn(reason: string, message: string): Promise<void>;
  };
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Where the handoff for each convergence run is written. */
  readonly handoffPath: string;
  /** The environment the KSYun settings may fall back to (the mounted AK/SK directory). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A pass made calls or adoptions: a convergence run has something to record. */
  readonly onActed: () => void;
}

const RETRY = { baseMs: 1_000, maxMs: 60_000 };
/**
 * The most nodes one convergence run declares; the rest follow in the next runs. A run's memory and time grow with
 * the routes it declares, and the engine matches every resource against each node's target.
 */
const MAX_SCOPE = 200;
/** How long a run waits for the pass that plans under the settings it read; past it, it declares every route. */
const PASS_WAIT_MS = 60_000;

const planSettings = (config: ProgramConfig) => ({
  podCidr: config.podCidr,
  maxRouteDeletes: config.maxRouteDeletes,
  allowMassDeletion: config.allowMassDeletion,
  replaceConflictingRoutes: config.replaceConflictingRoutes,
});

export class EventPath {
  readonly #o: EventPathOptions;
  #sync: RouteSync | undefined;
  #client: KsyunClient | undefined;
  #settings: string | undefined;
  #states: ReadonlyMap<string, NodeRouteState> = new Map();
  /** The last condition patched per node, so a pass before the informer has seen it does not patch it again. */
  readonly #patched = new Map<string, string>();
  #withheld = "";

  constructor(options: EventPathOptions) {
    this.#o = options;
  }

  get started(): boolean {
    return this.#sync !== undefined;
  }

  /** A new term: configuration, the state's routes, a listing of the VPC and the ledger, then the first pass. */
  async start(): Promise<void> {
    const { config, settings } = this.#read(await this.#o.config());
    const client = this.#connect(settings);
    const [outputs, listing, entries] = await Promise.all([
      this.#o.outputs(),
      client.listVpcRoutes(config.vpcId),
      this.#o.ledger.load(),
    ]);
    this.#sync?.stop();
    this.#sync = this.#newSync(config, client);
    this.#states = new Map();
    this.#sync.start(planSettings(config), outputs, listing, entries);
  }

  stop(): void {
    this.#sync?.stop();
    this.#sync = undefined;
    this.#client?.close();
    this.#client = undefined;
    this.#settings = undefined;
  }

  trigger(): void {
    this.#sync?.trigger();
  }

  /** Resolves when no pass or call is under way, or after `maxMs`. */
  async idle(maxMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#sync?.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)))]);
    clearTimeout(timer);
  }

  /** The periodic sync's listing: drift (routes deleted or re-pointed out of band) is repaired by the next pass. */
  async relist(): Promise<void> {
    const { config } = this.#read(await this.#o.config());
    if (!this.#sync || !this.#client) return;
    this.#sync.relisted(await this.#client.listVpcRoutes(config.vpcId));
  }

  /**
   * Before a convergence run: the configuration read again (a changed ConfigMap takes effect here; new KSYun
   * settings start a new event path), and the handoff written, scoped to at most MAX_SCOPE of the nodes the run
   * has to declare (RouteSync.touched; all of them while no pass has planned under the current settings). Returns
   * the run's extra environment, and whether nodes are left for the next run.
   */
  async prepare(): Promise<{ handoff: Handoff; env: Record<string, string>; more: boolean }> {
    const { config, settings } = this.#read(await this.#o.config());
    if (JSON.stringify(settings) !== this.#settings) await this.start();
    else this.#sync?.configure(planSettings(config));
    // New settings: the pass that plans under them scopes the run.
    await this.idle(PASS_WAIT_MS);
    const touched = this.#sync?.touched();
    const scope = touched?.slice(0, MAX_SCOPE);
    const handoff = {
      ...(this.#sync?.handoff() ?? { vpcId: config.vpcId, created: [], deleted: [], trouble: {} }),
      ...(scope && { scope }),
    };
    await writeHandoff(this.#o.handoffPath, handoff);
    return { handoff, env: { [HANDOFF_ENV]: this.#o.handoffPath }, more: (touched?.length ?? 0) > MAX_SCOPE };
  }

  async recorded(outputs: StackOutputs, handoff: Handoff): Promise<void> {
    await this.#sync?.recorded(outputs, handoff);
  }

  #read(raw: Record<string, string>): { config: ProgramConfig; settings: ProviderSettings } {
    return {
      config: parseConfig(raw, this.#o.env),
      settings: readSettings((key) => raw[`${NAMESPACE}:${key}`], this.#o.env),
    };
  }

  #connect(settings: ProviderSettings): KsyunClient {
    this.#client?.close();
    const { metrics } = this.#o;
    this.#client = clientFromSettings(settings, {
      onCall: (call) => metrics.ksyunCalls.inc({ action: call.action, result: call.error ? "error" : "ok" }),
    });
    this.#settings = JSON.stringify(settings);
    return this.#client;
  }

  #newSync(config: ProgramConfig, client: KsyunClient): RouteSync {
    const { ledger, metrics, log } = this.#o;
    return new RouteSync({
      cloud: ksyunCloud(client),
      vpcId: config.vpcId,
      ledger,
      lookups: {
        vpcInstanceIds: (candidates) => vpcInstanceIds(client, config.vpcId, [...candidates]),
        byPrivateIp: (ips) => instancesByPrivateIp(client, config.vpcId, ips),
      },
      nodes: this.#o.nodes,
      description: (node) => routeDescription(config.clusterUuid, node),
      describedNode: (description) => describedNode(config.clusterUuid, description),
      onPass: (report) => this.#passed(report),
      onCall: (op, ok, node, error) => {
        metrics.eventActions.inc({ op, result: ok ? "ok" : "error" });
        if (ok) log.info({ op, node }, "route call");
        else log.warn({ op, node, err: error instanceof Error ? error.message : String(error) }, "route call failed");
      },
      onError: (error) => log.warn({ err: error instanceof Error ? error.message : String(error) }, "event path"),
      retryDelay: (attempt) => backoffDelay(attempt, RETRY),
    });
  }

  #passed(report: PassReport): void {
    const { metrics, reporter, log } = this.#o;
    const { plan, states } = report;
    for (const kind of ["excluded", "unroutable", "trouble"] as const) {
      metrics.nodesSkipped.set({ kind }, plan.skipped.filter((s) => s.kind === kind).length);
    }
    metrics.deletesWithheld.set(plan.withheld.length);
    metrics.ledgerEntries.set(this.#o.ledger.size);
    const withheld = plan.withheld.join(",");
    if (withheld !== this.#withheld) {
      this.#withheld = withheld;
      const warning = plan.warnings.find((w) => w.startsWith("withholding"));
      if (warning) {
        log.warn({ withheld: plan.withheld.length }, warning);
        void reporter.warn("RouteDeletesWithheld", warning);
      }
    }
    const now = new Date();
    for (const [name, state] of states) {
      const node = this.#o.node(name);
      const wanted = node && wantedCondition(node, state);
      const key = wanted && `${wanted.status} ${wanted.reason} ${wanted.message}`;
      if (!node || !wanted || this.#patched.get(name) === key) continue;
      this.#patched.set(name, key!);
      void reporter.patchStatus(name, conditionPatch(node, wanted, now));
    }
    for (const name of this.#patched.keys()) if (!states.has(name)) this.#patched.delete(name);
    void reporter.emit(stateEvents(this.#states, states));
    this.#states = states;
    if (report.acted) this.#o.onActed();
  }
}
