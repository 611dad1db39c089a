import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RunScheduler, type RunRequest } from "./scheduler.ts";

/** A scheduler whose runs stay in flight until finished by hand. */
function setup(debounceMs = 1000, maxWaitMs = 5000) {
  const runs: { request: RunRequest; at: number; finish: () => void }[] = [];
  const scheduler = new RunScheduler({
    debounceMs,
    maxWaitMs,
    run: (request) =>
      new Promise<void>((resolve) => {
        runs.push({ request, at: Date.now(), finish: resolve });
      }),
  });
  scheduler.start();
  const finish = async (i: number) => {
    runs[i]!.finish();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { scheduler, runs, finish };
}

const event = { refresh: false };
const sync = { refresh: true };

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("RunScheduler", () => {
  it("runs once, a debounce after the last of a burst", async () => {
    const { scheduler, runs } = setup();
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(600);
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.at)).toEqual([1600]);
  });

  it("a continuous burst runs at the maximum wait after its first trigger", async () => {
    const { scheduler, runs } = setup();
    for (let t = 0; t < 8000; t += 500) {
      scheduler.trigger(event);
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(runs.map((r) => r.at)).toEqual([5000]);
  });

  it("never runs two at once; triggers during a run give exactly one follow-up", async () => {
    const { scheduler, runs, finish } = setup();
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toHaveLength(1);
    for (let i = 0; i < 10; i++) {
      scheduler.trigger(event);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(runs).toHaveLength(1);
    expect(scheduler.running).toBe(true);
    await finish(0); // the burst during the run is older than the maximum wait: the follow-up starts at once
    expect(runs.map((r) => r.at)).toEqual([1000, 11_000]);
    await finish(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(2);
  });

  it("a follow-up to a recent trigger still waits out the debounce", async () => {
    const { scheduler, runs, finish } = setup();
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(3000);
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(200);
    await finish(0);
    await vi.advanceTimersByTimeAsync(799);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.at)).toEqual([1000, 5000]);
  });

  it("merges requests: one refresh among the coalesced triggers makes a refresh run", async () => {
    const { scheduler, runs } = setup();
    scheduler.trigger(event);
    scheduler.trigger(sync);
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.map((r) => r.request)).toEqual([sync]);
  });

  it("triggerAfter delays a trigger; stop cancels it and drops pending triggers", async () => {
    const { scheduler, runs } = setup();
    scheduler.triggerAfter(10_000, sync);
    await vi.advanceTimersByTimeAsync(10_999);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.at)).toEqual([11_000]);

    const other = setup();
    other.scheduler.triggerAfter(1000, sync);
    other.scheduler.trigger(event);
    other.scheduler.stop();
    other.scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(other.runs).toHaveLength(0);
  });

  it("stop lets the run in flight finish without a follow-up; settled waits for it", async () => {
    const { scheduler, runs } = setup();
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(1000);
    scheduler.trigger(event);
    scheduler.stop();
    let settled = false;
    void scheduler.settled().then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    runs[0]!.finish();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(settled).toBe(true);
    expect(runs).toHaveLength(1);
  });

  it("a failed run is reported and does not stop later runs", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const scheduler = new RunScheduler({
      debounceMs: 10,
      maxWaitMs: 10,
      run: async () => {
        calls++;
        throw new Error("boom");
      },
      onError: (error) => errors.push(error),
    });
    scheduler.start();
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(10);
    scheduler.trigger(event);
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(2);
  });
});
