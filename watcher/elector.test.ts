import { microTime, type Lease, type LeaseSpec } from "../kube/resources.ts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LeaseConflict, LeaseElector, type LeaseStore } from "./elector.ts";

/** An API server's view of one Lease: resourceVersion checks on replace, conflicts on a second create. */
class FakeLeaseStore implements LeaseStore {
  lease: Lease | undefined;
  down = false;
  #version = 0;

  #check(): void {
    if (this.down) throw new Error("connect ECONNREFUSED");
  }
  #stored(spec: LeaseSpec): Lease {
    this.lease = { metadata: { name: "l", resourceVersion: String(++this.#version) }, spec: structuredClone(spec) };
    return structuredClone(this.lease);
  }
  async get() {
    this.#check();
    return this.lease && structuredClone(this.lease);
  }
  async create(spec: LeaseSpec) {
    this.#check();
    if (this.lease) throw new LeaseConflict();
    return this.#stored(spec);
  }
  async replace(lease: Lease) {
    this.#check();
    if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) throw new LeaseConflict();
    return this.#stored(lease.spec ?? {});
  }
  /** What another process would write: a record this test controls. */
  set(spec: LeaseSpec): void {
    this.#stored(spec);
  }
}

const TIMINGS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function candidate(store: LeaseStore, identity: string) {
  const log: string[] = [];
  const elector = new LeaseElector({
    store,
    identity,
    ...TIMINGS,
    onStartedLeading: (previous) => log.push(`start${previous ? ` after ${previous}` : ""}`),
    onStoppedLeading: () => log.push("stop"),
  });
  const abort = new AbortController();
  const running = elector.run(abort.signal);
  return { elector, log, stop: () => (abort.abort(), running) };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse("2026-01-01T00:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LeaseElector", () => {
  it("the first candidate creates the Lease and leads; a second one waits while it renews", async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, "a");
    await vi.advanceTimersByTimeAsync(0);
    expect(a.log).toEqual(["start"]);
    const b = candidate(store, "b");
    await vi.advanceTimersByTimeAsync(60_000);
    expect([a.elector.leading, b.elector.leading]).toEqual([true, false]);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 15, leaseTransitions: 0 });
    await Promise.all([a.stop(), b.stop()]);
  });

  it("judges expiry by local time since the record last changed, not by its renewTime", async () => {
    const store = new FakeLeaseStore();
    // Written by a crashed leader whose clock ran an hour behind: by renewTime it expired long ago.
    store.set({
      holderIdentity: "crashed",
      leaseDurationSeconds: 15,
      renewTime: microTime(new Date(Date.now() - 3_600_000)),
      leaseTransitions: 3,
    });
    const b = candidate(store, "b");
    await vi.advanceTimersByTimeAsync(14_000);
    expect(b.elector.leading).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(b.log).toEqual(["start after crashed"]);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 4 });
    await b.stop();
  });

  it("a record that keeps changing is never expired", async () => {
    const store = new FakeLeaseStore();
    const b = candidate(store, "b");
    store.set({ holderIdentity: "other", leaseDurationSeconds: 15 });
    for (let i = 0; i < 30; i++) {
      store.set({ holderIdentity: "other", leaseDurationSeconds: 15, renewTime: microTime(new Date()) });
      await vi.advanceTimersByTimeAsync(2_000);
    }
    expect(b.elector.leading).toBe(false);
    await b.stop();
  });

  it("of two candidates racing for a free Lease exactly one wins (optimistic concurrency)", async () => {
    const store = new FakeLeaseStore();
    store.set({ holderIdentity: "", leaseDurationSeconds: 1 });
    const [a, b] = [candidate(store, "a"), candidate(store, "b")];
    await vi.advanceTimersByTimeAsync(30_000);
    expect([a.elector.leading, b.elector.leading].filter(Boolean)).toHaveLength(1);
    expect(a.log.length + b.log.length).toBe(1);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("steps down once renewals have failed for the renew deadline, and campaigns again", async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, "a");
    await vi.advanceTimersByTimeAsync(0);
    store.down = true;
    await vi.advanceTimersByTimeAsync(9_000);
    expect(a.log).toEqual(["start"]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.log).toEqual(["start", "stop"]);
    store.down = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.log).toEqual(["start", "stop", "start"]);
    await a.stop();
  });

  it("steps down at once when another holder has taken the Lease", async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, "a");
    await vi.advanceTimersByTimeAsync(0);
    store.set({ holderIdentity: "usurper", leaseDurationSeconds: 15 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.log).toEqual(["start", "stop"]);
    await a.stop();
  });

  it("a renewal that hangs past the deadline counts as failed", async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, "a");
    await vi.advanceTimersByTimeAsync(0);
    store.get = () => new Promise(() => {});
    await vi.advanceTimersByTimeAsync(12_000);
    expect(a.log).toEqual(["start", "stop"]);
    await a.stop();
  });

  it("releases the Lease when stopped, so a successor takes over without waiting for expiry", async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, "a");
    await vi.advanceTimersByTimeAsync(0);
    const b = candidate(store, "b");
    await vi.advanceTimersByTimeAsync(1_000);
    await a.stop();
    expect(a.log).toEqual(["start", "stop"]);
    expect(store.lease?.spec?.holderIdentity).toBe("");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(b.log).toEqual(["start"]);
    await b.stop();
  });
});
