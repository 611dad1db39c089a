// Turns a stream of triggers into runs: a burst is coalesced (debounce, bounded by a maximum wait), at most one run
// is in flight, and triggers arriving during a run merge into exactly one follow-up run.

export interface RunRequest {
  /** Refresh the routes from the cloud first (periodic sync, repairs out-of-band changes). */
  readonly refresh: boolean;
}

export interface SchedulerOptions {
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  /** A rejection goes to onError; the scheduler carries on. */
  readonly run: (request: RunRequest) => Promise<void>;
  readonly onError?: (error: unknown) => void;
}

export class RunScheduler {
  readonly #options: SchedulerOptions;
  /** Merged triggers not yet run, and when the first and the last of them arrived. */
  #pending: { request: RunRequest; since: number; last: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #delayed = new Set<NodeJS.Timeout>();
  #inFlight: Promise<void> | undefined;
  #active = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /** Accept triggers from now on. */
  start(): void {
    this.#active = true;
  }

  /** Drop pending and delayed triggers; a run in flight finishes (see settled) but gets no follow-up. */
  stop(): void {
    this.#active = false;
    this.#pending = undefined;
    this.#clearTimer();
    this.#delayed.forEach(clearTimeout);
    this.#delayed.clear();
  }

  get running(): boolean {
    return this.#inFlight !== undefined;
  }

  /** Resolves once no run is in flight. */
  async settled(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  trigger(request: RunRequest): void {
    if (!this.#active) return;
    const previous = this.#pending;
    const now = Date.now();
    this.#pending = {
      request: { refresh: request.refresh || (previous?.request.refresh ?? false) },
      since: previous?.since ?? now,
      last: now,
    };
    if (!this.#inFlight) this.#arm();
  }

  /** A trigger after a delay (retries); cancelled by stop(). */
  triggerAfter(ms: number, request: RunRequest): void {
    if (!this.#active) return;
    const handle = setTimeout(() => {
      this.#delayed.delete(handle);
      this.trigger(request);
    }, ms);
    this.#delayed.add(handle);
  }

  #arm(): void {
    const pending = this.#pending;
    if (!pending) return;
    const now = Date.now();
    const due = Math.min(pending.last + this.#options.debounceMs, pending.since + this.#options.maxWaitMs);
    this.#clearTimer();
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, due - now));
  }

  #fire(): void {
    this.#timer = undefined;
    const pending = this.#pending;
    if (!pending || this.#inFlight) return;
    this.#pending = undefined;
    const run = this.#options
      .run(pending.request)
      .catch((error: unknown) => this.#options.onError?.(error))
      .finally(() => {
        this.#inFlight = undefined;
        if (this.#active) this.#arm();
      });
    this.#inFlight = run;
  }

  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
