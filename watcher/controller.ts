// The leader's work. Two jobs: the event path (event-path.ts) acts on KSYun at once for each node change; the
// convergence run (`pulumi up` of the routes) follows, debounced, records what the event path did, repairs drift
// (every resync, after a fresh listing, with --refresh) and performs what nothing else did. Runs go one at a time,
// retried with capped backoff. Only the Lease holder calls startLeading.
import type { Logger } from "pino";
import type { Handoff } from "@ksyun-route/provider/handoff";
import { backoffDelay } from "./backoff.ts";
import { RouteEventTally } from "./engine-events.ts";
import { isStaleLock, lockHolders, type StaleContext } from "./locks.ts";
import type { Metrics, RunKind, RunResult } from "./metrics.ts";
import { RunScheduler, type RunRequest } from "./scheduler.ts";
import { errorSummary, isConcurrentUpdate, type StackRunner, type UpResult } from "./stack-runner.ts";

/** A failing run is retried at 5 s, 10 s, 20 s, … up to 5 min, forever; a locked stack sooner. */
const FAILURE_BACKOFF = { baseMs: 5_000, maxMs: 300_000 };
const CONFLICT_BACKOFF = { baseMs: 2_000, maxMs: 30_000 };
/** A term whose event path cannot start (config, KSYun unreachable) tries again. */
const START_BACKOFF = { baseMs: 2_000, maxMs: 60_000 };
/** How long a run waits for the event path's calls to finish, so it records them. */
const IDLE_WAIT_MS = 60_000;

interface ControllerEventPath {
  readonly started: boolean;
  start(): Promise<void>;
  stop(): void;
  trigger(): void;
  idle(maxMs: number): Promise<void>;
  relist(): Promise<void>;
  prepare(): Promise<{ handoff: Handoff; env: Record<string, string>; more: boolean }>;
  recorded(outputs: UpResult["outputs"], handoff: Handoff): Promise<void>;
}

export interface ControllerOptions {
  readonly runner: Pick<StackRunner, "up" | "cancel">;
  readonly eventPath: ControllerEventPath;
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
  /** A retry of the event path's start. */
  restart: NodeJS.Timeout | undefined;
  startFailures: number;
  /** Until a run of the term gets past the stack lock, a stale lock may be cleared (see isStaleLock). */
  lockCheck: boolean;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class Controller {
  readonly #o: ControllerOptions;
  readonly #scheduler: RunScheduler;
  #term: Term | undefined;
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

  /** Ready unless leading without a started event path (the convergence runs follow at their own pace). */
  get ready(): boolean {
    return !this.#term || this.#o.eventPath.started;
  }

  startLeading(previousLeader: string | undefined): void {
    if (this.#term) return;
    const term: Term = {
      abort: new AbortController(),
      previousLeader,
      resync: undefined,
      restart: undefined,
      startFailures: 0,
      lockCheck: true,
    };
    this.#term = term;
    this.#failures = this.#conflicts = 0;
    this.#scheduler.start();
    void this.#startEventPath(term);
  }

  /** Stops scheduling and aborts the run in flight (the CLI cancels gracefully and unlocks); resolves when idle. */
  async stopLeading(): Promise<void> {
    const term = this.#term;
    this.#term = undefined;
    if (term) {
      clearTimeout(term.resync);
      clearTimeout(term.restart);
      this.#scheduler.stop();
      term.abort.abort();
      this.#o.eventPath.stop();
    }
    await this.#scheduler.settled();
  }

  /** A routing-relevant node change: the event path acts at once. */
  nodeChanged(): void {
    if (this.#term) this.#o.eventPath.trigger();
  }

  /** The event path acted: a convergence run records it. */
  eventPathActed(): void {
    this.#scheduler.trigger({ refresh: false });
  }

  async #startEventPath(term: Term): Promise<void> {
    try {
      await this.#o.eventPath.start();
    } catch (error) {
      if (this.#term !== term) return;
      const delay = backoffDelay(++term.startFailures, START_BACKOFF);
      this.#o.log.error({ err: message(error), retryInMs: delay }, "the event path could not start");
      term.restart = setTimeout(() => void this.#startEventPath(term), delay);
      return;
    }
    if (this.#term !== term) return;
    this.#o.log.info("event path started");
    // A new leader's first run refreshes: another leader may have run since.
    this.#scheduler.trigger({ refresh: true });
  }

  async #run(request: RunRequest): Promise<void> {
    const term = this.#term;
    if (!term) return;
    const { metrics, runner, eventPath } = this.#o;
    const kind: RunKind = request.refresh ? "sync" : "event";
    const endTimer = metrics.runDuration.startTimer({ kind });
    metrics.runInProgress.set(1);
    const tally = new RouteEventTally();
    let result: RunResult;
    try {
      if (request.refresh) {
        // Drift first, by the event path from a fresh listing; the run then records the repairs.
        await eventPath.relist();
      }
      await eventPath.idle(IDLE_WAIT_MS);
      const { handoff, env, more } = await eventPath.prepare();
      const up = await runner.up({
        refresh: request.refresh,
        scope: handoff.scope,
        signal: term.abort.signal,
        env,
        onEvent: (e) => tally.add(e),
      });
      result = "success";
      await eventPath.recorded(up.outputs, handoff);
      this.#succeeded(up, kind, endTimer(), handoff.scope?.length ?? "all");
      // The run was scoped to part of what is left (a burst, a new term's sweep): the next part follows.
      if (more) this.#scheduler.trigger({ refresh: false });
    } catch (error) {
      endTimer();
      result = await this.#failed(error, request, term, tally.failures);
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

  /** `declared`: how many nodes' routes the run declared (its scope), or all. */
  #succeeded(up: UpResult, kind: RunKind, seconds: number, declared: number | "all"): void {
    const { metrics, log } = this.#o;
    this.#failures = this.#conflicts = 0;
    metrics.consecutiveFailures.set(0);
    metrics.lastSuccess.set(Date.now() / 1000);
    const routes = Object.keys(up.outputs.routes).length;
    metrics.routesManaged.set(routes);
    if (kind === "sync" && up.changes > 0) metrics.driftRepaired.inc();
    log.info({ kind, declared, changes: up.changes, routes, seconds }, "run succeeded");
  }

  async #failed(
    error: unknown,
    request: RunRequest,
    term: Term,
    routeFailures: ReadonlyMap<string, string>,
  ): Promise<RunResult> {
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
    const routes = Object.fromEntries([...routeFailures].slice(0, 10));
    log.error({ err: errorSummary(error), routes, failures: this.#failures, retryInMs: delay }, "run failed");
    this.#scheduler.triggerAfter(delay, request);
    return "failure";
  }
}
