import { ConcurrentUpdateError } from "@pulumi/pulumi/automation/index.js";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { node } from "../program/testing.ts";
import { Controller } from "./controller.ts";
import { createMetrics } from "./metrics.ts";
import type { NodeEvent } from "./node-report.ts";
import type { StackOutputs } from "../program/contract.ts";
import type { UpResult } from "./stack-runner.ts";

const locked = (host: string, pid: number) =>
  new ConcurrentUpdateError({
    toString: () =>
      `error: the stack is currently locked by 1 lock(s).\n  file:///s/x.json: created by root@${host} (pid ${pid}) at 2026-01-01T00:00:00Z`,
  } as never);

const route = (cidr: string, routeId: string) => ({ cidr, instanceId: "i-1", routeId });
const outputs = (routes: StackOutputs["routes"]): StackOutputs => ({ routes, skippedNodes: {}, withheldDeletes: [] });

/** A controller whose runs answer from `answers` in order (an Error is thrown), then succeed unchanged. */
function setup(answers: (UpResult | Error)[], previous = outputs({})) {
  const calls: { refresh: boolean; signal: AbortSignal }[] = [];
  const events: NodeEvent[] = [];
  const routed: string[] = [];
  const runner = {
    cancel: vi.fn(async () => {}),
    outputs: vi.fn(async () => previous),
    up: vi.fn(async ({ refresh, signal }: { refresh: boolean; signal: AbortSignal }) => {
      calls.push({ refresh, signal });
      const answer = answers.shift() ?? { outputs: previous, changes: 0 };
      if (answer instanceof Error) throw answer;
      return answer;
    }),
  };
  const metrics = createMetrics();
  const controller = new Controller({
    runner,
    nodes: { node: (name) => node(name), names: () => ["a", "b"] },
    reporter: {
      emit: async (e) => void events.push(...e),
      markRouted: async (nodes) => void routed.push(...nodes.map((n) => n.metadata!.name!)),
    },
    metrics,
    log: pino({ level: "silent" }),
    debounceMs: 1000,
    maxWaitMs: 5000,
    resyncMs: 300_000,
    lockContext: { hostname: "here", pulumiAlive: (pid) => pid === 7 },
  });
  const runs = async (result: string) =>
    (await metrics.runs.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  return { controller, runner, calls, events, routed, metrics, runs };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Controller", () => {
  it("a new leader's first run refreshes; node changes are coalesced into event runs", async () => {
    const { controller, calls } = setup([]);
    controller.nodeChanged(); // not leading: ignored
    controller.startLeading(undefined);
    expect(controller.ready).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(controller.ready).toBe(true);
    for (let i = 0; i < 5; i++) controller.nodeChanged();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.map((c) => c.refresh)).toEqual([true, false]);
    await controller.stopLeading();
  });

  it("runs with refresh a resync period after the last sync ended", async () => {
    const { controller, calls } = setup([]);
    controller.startLeading(undefined);
    await vi.advanceTimersByTimeAsync(1000); // the first run: at once (after the debounce)
    await vi.advanceTimersByTimeAsync(3 * 301_000 - 1);
    expect(calls.map((c) => c.refresh)).toEqual([true, true, true]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.refresh)).toEqual([true, true, true, true]);
    await controller.stopLeading();
  });

  it("at takeover, clears the previous leader's stale lock and runs again at once", async () => {
    const { controller, runner, calls, runs } = setup([locked("watcher-old", 41)]);
    controller.startLeading("watcher-old");
    await vi.advanceTimersByTimeAsync(2000);
    expect(runner.cancel).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(2);
    expect(await runs("conflict")).toBe(1);
    expect(await runs("success")).toBe(1);
    await controller.stopLeading();
  });

  it("never cancels a live run's lock: retries soon with backoff instead", async () => {
    const { controller, runner, calls } = setup([locked("here", 7), locked("laptop", 9), locked("here", 7)]);
    controller.startLeading("watcher-old");
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 1000 + 4000 + 1000);
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(8000 + 1000);
    expect(calls).toHaveLength(4);
    expect(runner.cancel).not.toHaveBeenCalled();
    await controller.stopLeading();
  });

  it("a lock met after the term's first completed run is not cleared", async () => {
    const { controller, runner } = setup([{ outputs: outputs({}), changes: 0 }, locked("watcher-old", 41)]);
    controller.startLeading("watcher-old");
    await vi.advanceTimersByTimeAsync(1000);
    controller.nodeChanged();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runner.up).toHaveBeenCalledTimes(2);
    expect(runner.cancel).not.toHaveBeenCalled();
    await controller.stopLeading();
  });

  it("retries failures at 5 s, 10 s, 20 s, … and resets after a success", async () => {
    const boom = () => new Error("error: update failed");
    const { controller, calls, metrics } = setup([boom(), boom(), boom()]);
    controller.startLeading(undefined);
    const at: number[] = [];
    for (let t = 0; t < 60_000; t += 500) {
      const before = calls.length;
      await vi.advanceTimersByTimeAsync(500);
      if (calls.length > before) at.push(Date.now());
    }
    // debounce 1 s after each trigger: runs at 1 s, then 1 s + 5 s + 1 s, + 10 s + 1 s, + 20 s + 1 s
    expect(at).toEqual([1000, 7000, 18_000, 39_000]);
    expect((await metrics.consecutiveFailures.get()).values[0]?.value).toBe(0);
    await controller.stopLeading();
  });

  it("after a success: Events for new routes, the node condition, metrics", async () => {
    const previous = outputs({ a: route("172.16.1.0/24", "r1") });
    const current = outputs({ a: route("172.16.1.0/24", "r1"), b: route("172.16.2.0/24", "r2") });
    const { controller, events, routed, metrics } = setup([{ outputs: current, changes: 1 }], previous);
    controller.startLeading(undefined);
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.map((e) => `${e.node} ${e.reason}`)).toEqual(["b CreatedRoute"]);
    expect(routed).toEqual(["a", "b"]);
    expect((await metrics.routesManaged.get()).values[0]?.value).toBe(2);
    expect((await metrics.driftRepaired.get()).values[0]?.value).toBe(1);
    await controller.stopLeading();
  });

  it("stopLeading aborts the run in flight and schedules nothing more", async () => {
    const { controller, runner, calls } = setup([]);
    let release = () => {};
    runner.up.mockImplementationOnce(async ({ signal }) => {
      calls.push({ refresh: true, signal });
      await new Promise<void>((resolve) => (release = resolve));
      throw new Error("cancelled");
    });
    controller.startLeading(undefined);
    await vi.advanceTimersByTimeAsync(1000);
    const stopped = controller.stopLeading();
    expect(calls[0]!.signal.aborted).toBe(true);
    release();
    await stopped;
    controller.nodeChanged();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(1);
  });
});
