/**
 * Server-side QPS limit per (access key, action), a token bucket holding one second's worth of calls.
 * KSYun publishes no VPC or KEC limits; undefined = unlimited.
 */
export class RateLimiter {
  private qps: number | undefined;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly clock: () => number;

  constructor(qps: number | undefined, clock: () => number = () => performance.now()) {
    this.qps = qps;
    this.clock = clock;
  }

  setQps(qps: number | undefined): void {
    this.qps = qps === undefined || qps <= 0 ? undefined : qps;
    this.buckets.clear();
  }

  /** Consumes one call; false = throttle it. */
  take(key: string): boolean {
    if (this.qps === undefined) return true;
    const capacity = Math.max(1, this.qps);
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.qps);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
