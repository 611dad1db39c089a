import { describe, expect, it } from "vitest";
import { TokenBucket, sharedRateLimiter } from "./rate-limit.ts";

/** A clock that only moves when a caller sleeps. */
function fakeClock() {
  const clock = { now: 0, sleeps: [] as number[] };
  const sleep = (ms: number) => {
    clock.sleeps.push(ms);
    return Promise.resolve();
  };
  return { clock, now: () => clock.now, sleep };
}

describe("TokenBucket", () => {
  it("spaces calls 1/qps apart once the burst is spent", async () => {
    const { clock, now, sleep } = fakeClock();
    const bucket = new TokenBucket({ qps: 4, burst: 2, now, sleep });
    for (let i = 0; i < 5; i++) await bucket.acquire();
    // Two free, then reservations at 250 ms intervals (all requested at t=0).
    expect(clock.sleeps).toEqual([250, 500, 750]);
  });

  it("refills with elapsed time up to the burst", async () => {
    const { clock, now, sleep } = fakeClock();
    const bucket = new TokenBucket({ qps: 2, now, sleep });
    await bucket.acquire();
    await bucket.acquire();
    await bucket.acquire();
    expect(clock.sleeps).toEqual([500]);
    clock.now = 10_000; // long idle: at most `burst` (= qps = 2) calls pass freely
    await bucket.acquire();
    await bucket.acquire();
    await bucket.acquire();
    expect(clock.sleeps).toEqual([500, 500]);
  });

  it("applies a new rate to later calls", async () => {
    const { clock, now, sleep } = fakeClock();
    const bucket = new TokenBucket({ qps: 1, now, sleep });
    await bucket.acquire();
    bucket.setRate(10);
    await bucket.acquire();
    expect(clock.sleeps).toEqual([100]);
    expect(() => bucket.setRate(0)).toThrow(/qps > 0/);
  });

  it("shares one limiter per process, reconfigured by the latest qps", () => {
    const limiter = sharedRateLimiter(7);
    expect(sharedRateLimiter()).toBe(limiter);
    expect(sharedRateLimiter(3)).toBe(limiter);
    expect(limiter.qps).toBe(3);
  });
});
