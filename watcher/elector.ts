// Leader election on a coordination.k8s.io Lease, with client-go's semantics: optimistic concurrency (a replace
// carries the observed resourceVersion; a conflict means another candidate won), expiry judged by local time since
// the Lease record last changed (immune to clock skew between nodes), a leader that cannot renew within the renew
// deadline steps down, and a leader that stops releases the Lease so a successor need not wait for it to expire.
import { microTime, type Lease, type LeaseSpec } from "../kube/resources.ts";

/** The one Lease object, through the API; create and replace throw LeaseConflict on 409. */
export interface LeaseStore {
  get(): Promise<Lease | undefined>;
  create(spec: LeaseSpec): Promise<Lease>;
  replace(lease: Lease): Promise<Lease>;
}

export class LeaseConflict extends Error {
  constructor() {
    super("the Lease was changed by another candidate");
    this.name = "LeaseConflict";
  }
}

export interface ElectorOptions {
  readonly store: LeaseStore;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** `previousHolder`: who held the Lease before this candidate took it over (undefined if free or released). */
  readonly onStartedLeading: (previousHolder: string | undefined) => void;
  readonly onStoppedLeading: () => void;
  readonly onError?: (error: unknown, during: "acquire" | "renew" | "release") => void;
}

/** Resolves after `ms` or on abort, whichever is first; `cancel` releases the timer early. */
function timeout(ms: number, signal: AbortSignal): { elapsed: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const elapsed = new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    cancel = done;
    if (signal.aborted) done();
  });
  return { elapsed, cancel };
}

const sleep = (ms: number, signal: AbortSignal) => timeout(ms, signal).elapsed;

export class LeaseElector {
  readonly #o: ElectorOptions;
  #observed: Lease | undefined;
  /** Local time at which the observed record last changed. */
  #observedAt = 0;
  #leading = false;
  /** Another holder recorded in the Lease before this candidate's last write. */
  #takenFrom: string | undefined;

  constructor(options: ElectorOptions) {
    this.#o = options;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Campaigns, leads, and campaigns again after losing the lead, until the signal aborts; then releases. */
  async run(signal: AbortSignal): Promise<void> {
    const { retryPeriodMs } = this.#o;
    while (!signal.aborted) {
      const previousHolder = await this.#acquire(signal);
      if (previousHolder === false) break;
      this.#leading = true;
      this.#o.onStartedLeading(previousHolder);
      let renewed = Date.now();
      while (!signal.aborted) {
        await sleep(retryPeriodMs, signal);
        if (signal.aborted) break;
        const deadline = renewed + this.#o.renewDeadlineMs;
        if (await this.#attempt("renew", deadline - Date.now(), signal)) renewed = Date.now();
        else if (this.#heldByOther() || Date.now() >= deadline) break;
      }
      if (signal.aborted) await this.#release();
      this.#leading = false;
      this.#o.onStoppedLeading();
    }
  }

  /** One client-go tryAcquireOrRenew step; true when this candidate holds the Lease afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { store, identity } = this.#o;
    const now = Date.now();
    const current = await store.get();
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
      acquireTime: microTime(new Date(now)),
      renewTime: microTime(new Date(now)),
      leaseTransitions: 0,
    };
    if (!current) {
      this.#takenFrom = undefined;
      return this.#write(() => store.create(spec), now);
    }
    this.#observe(current, now);
    const holder = current.spec?.holderIdentity ?? "";
    const durationMs = (current.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (holder !== "" && holder !== identity && this.#observedAt + durationMs > now) return false;
    const transitions = current.spec?.leaseTransitions ?? 0;
    const renewal = holder === identity;
    this.#takenFrom = holder !== identity ? holder || undefined : undefined;
    const next: Lease = {
      ...current,
      spec: {
        ...spec,
        acquireTime: renewal ? (current.spec?.acquireTime ?? spec.acquireTime) : spec.acquireTime,
        leaseTransitions: renewal ? transitions : transitions + 1,
      },
    };
    return this.#write(() => store.replace(next), now);
  }

  /** The holder this candidate replaced: undefined if the Lease was free; false if aborted before acquiring. */
  async #acquire(signal: AbortSignal): Promise<string | undefined | false> {
    while (!signal.aborted) {
      if (await this.#attempt("acquire", this.#o.renewDeadlineMs, signal)) return this.#takenFrom;
      await sleep(this.#o.retryPeriodMs, signal);
    }
    return false;
  }

  /** A step that fails on error, on abort, or when it outlasts `timeLeftMs` (requests have no timeout of their own). */
  async #attempt(during: "acquire" | "renew", timeLeftMs: number, signal: AbortSignal): Promise<boolean> {
    const limit = timeout(Math.max(0, timeLeftMs), signal);
    try {
      return await Promise.race([this.#tryAcquireOrRenew(), limit.elapsed.then(() => false)]);
    } catch (error) {
      this.#o.onError?.(error, during);
      return false;
    } finally {
      limit.cancel();
    }
  }

  async #write(write: () => Promise<Lease>, now: number): Promise<boolean> {
    try {
      const written = await write();
      this.#observed = written;
      this.#observedAt = now;
      return true;
    } catch (error) {
      if (error instanceof LeaseConflict) return false;
      throw error;
    }
  }

  #observe(lease: Lease, now: number): void {
    if (lease.metadata?.resourceVersion !== this.#observed?.metadata?.resourceVersion) this.#observedAt = now;
    this.#observed = lease;
  }

  #heldByOther(): boolean {
    const holder = this.#observed?.spec?.holderIdentity ?? "";
    return holder !== "" && holder !== this.#o.identity;
  }

  /** Clears the holder so a successor need not wait for the Lease to expire. */
  async #release(): Promise<void> {
    const lease = this.#observed;
    if (!lease || lease.spec?.holderIdentity !== this.#o.identity) return;
    try {
      await this.#o.store.replace({
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
      });
    } catch (error) {
      this.#o.onError?.(error, "release");
    }
  }
}
