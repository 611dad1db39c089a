// The leader's work: runs on node changes and periodically with refresh, one at a time, retried with capped backoff;
// after each run, node conditions, Events and metrics. Only the Lease holder calls startLeading.
import type { V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { outputsOf, routeResourceName, type StackOutputs } from "../program/contract.ts";
import { backoffDelay } from "./backoff.ts";
import { RouteEventTally } from "./engine-events.ts";
import { isStaleLock, lockHolders, type StaleContext } from "./locks.ts";
import type { Metrics, RunKind, RunResult } from "./metrics.ts";
import { failureEvents, routeEvents } from "./node-report.ts";
import type { NodeReporter } from "./node-reporter.ts";
import { RunScheduler, type RunRequest } from "./scheduler.ts";
import { errorSummary, isConcurrentUpdate, type StackRunner, type UpResult } from "./stack-runner.ts";

/** A failing run is retried at 5 s, 10 s, 20 s, … up to 5 min, forever; a locked stack sooner. */
const FAILURE_BACKOFF = { baseMs: 5_000, maxMs: 300_000 };
const CONFLICT_BACKOFF = { baseMs: 2_000, maxMs: 30_000 };

export interface ControllerOptions {
  readonly runner: Pick<StackRunner, "up" | "outputs" | "cancel">;
  readonly nodes: { node(name: string): V1Node | undefined; names(): string[] };
  readonly reporter: Pick<NodeReporter, "markRouted" | "emit">;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  readonly resyncMs: number;
  readonly lockContext: Omit<StaleContext, "previousLeader">;
}

interface Term {
  readonly abort: AbortController;
  readonly previousLeader: string | undefined;
  /** The next periodic sync, armed when a sync run ends (a sliding period, as the original's wait.Until). */
  resync: NodeJS.Timeout | undefined;
  /** Until a run of the term gets past the stack lock, a stale lock may be cleared (see isStaleLock). */
  lockCheck: boolean;
  started: boolean;
}

export class Controller {
  readonly #o: ControllerOptions;
  readonly #scheduler: RunScheduler;
  #term: Term | undefined;
  /** Outputs of the last successful run, to tell which routes a run created. */
  #previous: StackOutputs | undefined;
  #failures = 0;
  #conflicts = 0;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#scheduler = new RunScheduler({
      debounceMs: options.debounceMs,
      maxWaitMs: options.maxWaitMs,
      run: (request) => this.#run(request),
      // Unreachable unless a bug throws past #run; retrying keeps even that from stalling the watcher.
      onError: (error) => {
        options.log.error({ err: String(error) }, "run crashed");
        this.#scheduler.triggerAfter(FAILURE_BACKOFF.maxMs, { refresh: true });
      },
    });
  }

  /** Ready unless leading without having started the term's first run. */
  get ready(): boolean {
    return !this.#term || this.#term.started;
  }

  startLeading(previousLeader: string | undefined): void {
    if (this.#term) return;
    this.#term = {
      abort: new AbortController(),
      previousLeader,
      resync: undefined,
      lockCheck: true,
      started: false,
    };
    // Another leader may have run since this replica's last term.
    this.#previous = undefined;
    this.#failures = this.#conflicts = 0;
    this.#scheduler.start();
    this.#scheduler.trigger({ refresh: true });
  }

  /** Stops scheduling and aborts the run in flight (the CLI cancels gracefully and unlocks); resolves when idle. */
  async stopLeading(): Promise<void> {
    const term = this.#term;
    this.#term = undefined;
    if (term) {
      clearTimeout(term.resync);
      this.#scheduler.stop();
      term.abort.abort();
    }
    await this.#scheduler.settled();
  }

  nodeChanged(): void {
    this.#scheduler.trigger({ refresh: false });
  }

  async #run(request: RunRequest): Promise<void> {
    const term = this.#term;
    if (!term) return;
    term.started = true;
    const { metrics } = this.#o;
    const kind: RunKind = request.refresh ? "sync" : "event";
    const endTimer = metrics.runDuration.startTimer({ kind });
    metrics.runInProgress.set(1);
    const tally = new RouteEventTally();
    let result: RunResult;
    try {
      this.#previous ??= await this.#o.runner.outputs();
      const up = await this.#o.runner.up({
        refresh: request.refresh,
        signal: term.abort.signal,
        onEvent: (event) => tally.add(event),
      });
      result = "success";
      await this.#succeeded(up, kind, endTimer());
    } catch (error) {
      endTimer();
      result = await this.#failed(error, request, term);
      await this.#o.reporter.emit(failureEvents(tally.failures, this.#resourceNames()));
    } finally {
      metrics.runInProgress.set(0);
    }
    if (request.refresh && !term.abort.signal.aborted) {
      clearTimeout(term.resync);
      term.resync = setTimeout(() => this.#scheduler.trigger({ refresh: true }), this.#o.resyncMs);
    }
    if (result !== "conflict") term.lockCheck = false;
    metrics.runs.inc({ kind, result });
    for (const { op, ok } of tally.operations) metrics.routeOperations.inc({ op, result: ok ? "ok" : "error" });
  }

  async #succeeded(up: UpResult, kind: RunKind, seconds: number): Promise<void> {
    const { metrics, log, reporter, nodes } = this.#o;
    this.#failures = this.#conflicts = 0;
    metrics.consecutiveFailures.set(0);
    metrics.lastSuccess.set(Date.now() / 1000);
    const routed = Object.keys(up.outputs.routes);
    metrics.routesManaged.set(routed.length);
    if (kind === "sync" && up.changes > 0) metrics.driftRepaired.inc();
    log.info({ kind, changes: up.changes, routes: routed.length, seconds }, "run succeeded");
    await reporter.emit(routeEvents(this.#previous ?? outputsOf({}), up.outputs));
    this.#previous = up.outputs;
    await reporter.markRouted(routed.flatMap((name) => nodes.node(name) ?? []));
  }

  async #failed(error: unknown, request: RunRequest, term: Term): Promise<RunResult> {
    const { log, metrics, runner } = this.#o;
    if (term.abort.signal.aborted) {
      log.info("run aborted: no longer leading");
      return "aborted";
    }
    if (isConcurrentUpdate(error)) {
      const holders = lockHolders(error.message);
      const context = { ...this.#o.lockContext, previousLeader: term.previousLeader };
      if (term.lockCheck && holders.length > 0 && holders.every((h) => isStaleLock(h, context))) {
        log.warn({ holders }, "clearing the stale lock of the previous leader");
        try {
          await runner.cancel();
          this.#scheduler.trigger(request);
          return "conflict";
        } catch (cancelError) {
          log.error({ err: errorSummary(cancelError) }, "pulumi cancel failed");
        }
      }
      const delay = backoffDelay(++this.#conflicts, CONFLICT_BACKOFF);
      log.warn({ holders, retryInMs: delay }, "the stack is locked by another update; retrying");
      this.#scheduler.triggerAfter(delay, request);
      return "conflict";
    }
    const delay = backoffDelay(++this.#failures, FAILURE_BACKOFF);
    metrics.consecutiveFailures.set(this.#failures);
    log.error({ err: errorSummary(error), failures: this.#failures, retryInMs: delay }, "run failed");
    this.#scheduler.triggerAfter(delay, request);
    return "failure";
  }

  #resourceNames(): Map<string, string> {
    return new Map(this.#o.nodes.names().map((name) => [name, routeResourceName(name)]));
  }
}
