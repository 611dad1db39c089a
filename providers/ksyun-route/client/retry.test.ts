import { describe, expect, it } from "vitest";
import { KsyunApiError } from "./errors.ts";
import { withRetry } from "./retry.ts";

const throttled = () => new KsyunApiError({ action: "A", code: "Throttling", serverMessage: "", httpStatus: 400 });
const invalid = () =>
  new KsyunApiError({ action: "A", code: "InvalidParameterValue", serverMessage: "", httpStatus: 400 });
const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250, maxTotalMs: 10_000 };

function failing(errors: Error[]) {
  let calls = 0;
  const operation = async () => {
    const error = errors[calls++];
    if (error) throw error;
    return calls;
  };
  return { operation, calls: () => calls };
}

describe("withRetry", () => {
  it("backs off with full jitter under an exponential, capped ceiling", async () => {
    const sleeps: number[] = [];
    const { operation } = failing([throttled(), throttled(), throttled()]);
    const result = await withRetry(operation, policy, {
      random: () => 0.999,
      sleep: async (ms) => sleeps.push(ms),
    });
    expect(result).toBe(4);
    expect(sleeps).toEqual([99, 199, 249]);
  });

  it("stops after maxAttempts and rethrows the last error", async () => {
    const last = throttled();
    const { operation, calls } = failing([throttled(), throttled(), throttled(), last, throttled()]);
    await expect(withRetry(operation, policy, { random: () => 0, sleep: async () => {} })).rejects.toBe(last);
    expect(calls()).toBe(4);
  });

  it("stops when the next delay would exceed maxTotalMs", async () => {
    let now = 0;
    const { operation, calls } = failing([throttled(), throttled(), throttled()]);
    const run = withRetry(
      operation,
      { ...policy, maxTotalMs: 300 },
      { random: () => 0.999, now: () => now, sleep: async (ms) => (now += ms) },
    );
    await expect(run).rejects.toBeInstanceOf(KsyunApiError);
    // 99 + 199 = 298 ms used; the third delay (249 ms) would pass 300.
    expect(calls()).toBe(3);
  });

  it.each([
    ["a non-retryable API error", invalid()],
    ["a plain error", new Error("boom")],
  ])("does not retry %s", async (_name, error) => {
    const { operation, calls } = failing([error]);
    await expect(withRetry(operation, policy, { sleep: async () => {} })).rejects.toBe(error);
    expect(calls()).toBe(1);
  });
});
