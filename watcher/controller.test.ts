import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "./controller.ts";
import { createMetrics } from "./metrics.ts";
import type { Handoff } from "@ksyun-route/provider/handoff";
import type { StackOutputs } from "../program/contract.ts";
import { ConcurrentUpdateError, type UpResult } from "./stack-runner.ts";

const locked = (host: string, pid: number) =>
  new ConcurrentUpdateError(
    `error: the stack is currently locked by 1 lock(s).\n  file:///s/x.json: created by root@${host} (pid ${pid}) at 2026-01-01T00:00:00Z`,
  );

const route = (cidr: string, routeId: string) => ({ cidr, instanceId: "i-1", routeId });
const outputs = (routes: StackOutputs["routes"]): StackOutputs => ({ routes, skippedNodes: {}, withheldDeletes: [] });
const handoff = { vpcId: "vpc", created: [], deleted: [], trouble: {} };

/** A controller whose runs answer from `answers` in order (an Error is thrown), then succeed unchanged. */
function setup(answers: (UpResult | Error)[], previous = outputs({})) {
  type Up = {
    refresh: boolean;
    scope?: readonly string[];
    signal: AbortSignal;
    env?: Readonly<Record<string, string>>;
  };
  const calls: Up[] = [];
  const path: string[] = [];
  const runner = {
    cancel: vi.fn(async () => {}),
    up: vi.fn(async (o: Up) => {
      calls.push(o);
      path.push(`up${o.refresh ? " --refresh" : ""}`);
      const answer = answers.shift() ?? { outputs: previous, changes: 0 };
      if (answer instanceof Error) throw answer;
      return answer;
    }),
  };
  const eventPath = {
    started: false,
    start: vi.fn(async () => {
      path.push("start");
      await new Promise((resolve) => setTimeout(resolve, 0)); // the listing, the ledger, the outputs
      eventPath.started = true;
    }),
    stop: vi.fn(() => void (eventPath.started = false)),
    trigger: vi.fn(() => void path.push("pass")),
    idle: vi.fn(async () => {}),
    relist: vi.fn(async () => void path.push("relist")),
    prepare: vi.fn(async (): Promise<{ handoff: Handoff; env: Record<string, string>; more: boolean }> => ({
      handoff,
      env: { KSYUN_ROUTE_HANDOFF: "/tmp/h" },
      more: false,
    })),
    recorded: vi.fn(async () => void path.push("recorded")),
  };
  const metrics = createMetrics();
  const controller = new Controller({
    runner,
    eventPath,
    metrics,
    log: pino({ level: "silent" }),
    debounceMs: 1000,
    maxWaitMs: 5000,
    resyncMs: 300_000,
    lockContext: { hostname: "here", pulumiAlive: (pid) => pid === 7 },
  });
  const runs = async (result: string) =>
    (await metrics.runs.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  return { controller, runner, eventPath, calls, path, metrics, runs };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Controller", () => {
  it("a new leader starts its event path, then refreshes; node changes go to the event path at once", async () => {
    const { controller, calls, path } = setup([]);
    controller.nodeChanged(); // not leading: ignored
    controller.startLeading(undefined);
    expect(controller.ready).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(controller.ready).toBe(true);
    for (let i = 0; i < 5; i++) controller.nodeChanged();
    expect(path).toEqual(["start", "relist", "up --refresh", "recorded", "pass", "pass", "pass", "pass", "pass"]);
    expect(calls[0]!.env).toEqual({ KSYUN_ROUTE_HANDOFF: "/tmp/h" });
    await controller.stopLeading();
  });

  it("what the event path did is recorded by one debounced run", async () => {
    const { controller, path } = setup([]);
    controller.startLeading(undefined);
    await vi.advanceTimersByTimeAsync(1000);
    path.length = 0;
    for (let i = 0; i < 5; i++) controller.eventPathActed();
    await vi.advanceTimersByTimeAsync(999);
    expect(path).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(path).toEqual(["up", "recorded"]);
    await controller.stopLeading();
  });

  it("a run scoped to part of what is left is followed by the next part, with the scope of each", async () => {
    const { controller, eventPath, calls, path } = setup([]);
    const part = (scope: string[], more: boolean) => ({ handoff: { ...handoff, scope }, env: {}, more });
    eventPath.prepare.mockResolvedValueOnce(part(["a", "b"], true)).mockResolvedValueOnce(part(["c"], false));
    controller.startLeading(undefined);
    await vi.advanceTimersByTimeAsync(1000 + 1000);
    expect(path).toEqual(["start", "relist", "up --refresh", "recorded", "up", "recorded"]);
    expect(calls.map((c) => c.scope)).toEqual([["a", "b"], ["c"]]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(2);
    await controller.stopLeading();
  });

  it("an event path that cannot start tries again with backoff, and runs nothing meanwhile", async () => {
    const { controller, eventPath, calls } = setup([]);
    eventPath.start.mockRejectedValueOnce(new Error("KSYun unreachable")).mockRejectedValueOnce(new Error("again"));
    controller.startLeading(undefined);
    await vi.advanceTimersByTimeAsync(2000 + 4000 - 1);
    expect(eventPath.start).toHaveBeenCalledTimes(2);
    expect(calls).toHaveLength(0);
    // The start (a zero-delay timer, which the fake clock fires 1 ms later), then the debounce.
    await vi.advanceTimersByTimeAsync(1 + 1 + 1000);
    expect(eventPath.start).toHaveBeenCalledTimes(3);
    expect(calls).toHaveLength(1);
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
    controller.eventPathActed();
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

  it("after a success: what the run recorded goes to the event path, and the metrics", async () => {
    const current = outputs({ a: route("172.16.1.0/24", "r1"), b: route("172.16.2.0/24", "r2") });
    const { controller, eventPath, metrics } = setup([{ outputs: current, changes: 1 }]);
    controller.startLeading(undefined);
    await vi.advanceTimersByTimeAsync(1000);
    expect(eventPath.recorded).toHaveBeenCalledWith(current, handoff);
    expect((await metrics.routesManaged.get()).values[0]?.value).toBe(2);
    expect((await metrics.driftRepaired.get()).values[0]?.value).toBe(1);
    await controller.stopLeading();
  });

  it("stopLeading aborts the run in flight, stops the event path and schedules nothing more", async () => {
    const { controller, runner, eventPath, calls } = setup([]);
    let release = () => {};
    runner.up.mockImplementationOnce(async ({ refresh, signal }) => {
      calls.push({ refresh, signal });
      await new Promise<void>((resolve) => (release = resolve));
      throw new Error("cancelled");
    });
    controller.startLeading(undefined);
    await vi.advanceTimersByTimeAsync(1000);
    const stopped = controller.stopLeading();
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(eventPath.stop).toHaveBeenCalled();
    release();
    await stopped;
    controller.eventPathActed();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(1);
  });
});
