import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.ts";

describe("RateLimiter", () => {
  it("allows a second's worth of calls per key, then refills at the QPS rate", () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([true, true, false]);
    expect(limiter.take("b")).toBe(true);
    now = 499;
    expect(limiter.take("a")).toBe(false);
    now = 600;
    expect(limiter.take("a")).toBe(true);
  });

  it("is unlimited without a QPS", () => {
    const limiter = new RateLimiter(2, () => 0);
    limiter.setQps(undefined);
    expect(Array.from({ length: 100 }, () => limiter.take("a")).every(Boolean)).toBe(true);
  });
});
