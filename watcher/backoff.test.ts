import { expect, it } from "vitest";
import { backoffDelay } from "./backoff.ts";

it("doubles from the base up to the cap, and stays there", () => {
  const policy = { baseMs: 5_000, maxMs: 300_000 };
  expect([1, 2, 3, 4, 5, 6, 7, 8, 1000].map((n) => backoffDelay(n, policy))).toEqual([
    5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
  ]);
});
