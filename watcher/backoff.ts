// Capped exponential backoff: retries keep coming at the cap forever, so a failure never stalls for good.

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Delay before retry number `attempt` (1-based): base, 2·base, 4·base, … up to max. */
export function backoffDelay(attempt: number, { baseMs, maxMs }: Backoff): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
}
