import { setTimeout as delay } from "node:timers/promises";
import { isRetryable } from "./errors.ts";

export type RetryPolicy = {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No further attempt starts once this much time has passed, counting the planned delay. */
  maxTotalMs: number;
};

// maxTotalMs is the real bound: 5 attempts of full-jitter backoff gave up after ~1.5 s of delays on average, so a
// short burst of 5xx or throttling failed one create in a few hundred (e2e: 200 routes at 20 % 5xx + 10 % throttling).
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 200, maxDelayMs: 5_000, maxTotalMs: 30_000 };

export type RetryHooks = {
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
};

/** Retries throttled and transient KsyunApiErrors with exponential backoff and full jitter. */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const { random = Math.random, now = Date.now, sleep = delay } = hooks;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.maxAttempts) throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.floor(random() * ceiling);
      if (now() - start + delayMs > policy.maxTotalMs) throw error;
      hooks.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
