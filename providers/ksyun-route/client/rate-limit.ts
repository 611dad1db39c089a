import { setTimeout as delay } from "node:timers/promises";

export type RateLimiter = { acquire(): Promise<void> };

export type TokenBucketOptions = {
  qps: number;
  /** Calls allowed at once after an idle period; defaults to max(1, qps). */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
};

const DEFAULT_QPS = 10;

/** Token bucket that hands out reservations: a caller short of a token sleeps until its token is due (FIFO). */
export class TokenBucket implements RateLimiter {
  #qps = 0;
  #burst = 0;
  #tokens = 0;
  #last: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<unknown>;

  constructor(options: TokenBucketOptions) {
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? delay;
    this.#last = this.#now();
    this.#configure(options.qps, options.burst);
    this.#tokens = this.#burst;
  }

  get qps(): number {
    return this.#qps;
  }

  setRate(qps: number, burst?: number): void {
    this.#refill();
    this.#configure(qps, burst);
  }

  async acquire(): Promise<void> {
    this.#refill();
    this.#tokens -= 1;
    if (this.#tokens < 0) await this.#sleep((-this.#tokens * 1000) / this.#qps);
  }

  #configure(qps: number, burst = Math.max(1, qps)): void {
    if (!(qps > 0) || !(burst >= 1))
      throw new Error(`rate limit needs qps > 0 and burst >= 1, got ${qps} and ${burst}`);
    this.#qps = qps;
    this.#burst = burst;
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    this.#last = now;
  }
}

let processLimiter: TokenBucket | undefined;

/** The one limiter every client in this process shares; a given qps reconfigures it (the latest setting wins). */
export function sharedRateLimiter(qps?: number): TokenBucket {
  processLimiter ??= new TokenBucket({ qps: qps ?? DEFAULT_QPS });
  if (qps !== undefined && qps !== processLimiter.qps) processLimiter.setRate(qps);
  return processLimiter;
}
