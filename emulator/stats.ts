import type { FaultKind } from "./faults.ts";

type Counts = Map<string, number>;

function bump(counts: Counts, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function nested(map: Map<string, Counts>, key: string): Counts {
  const existing = map.get(key);
  if (existing !== undefined) return existing;
  const created: Counts = new Map();
  map.set(key, created);
  return created;
}

/** Per-action counters served by `GET /_emulator/stats`. */
export class Stats {
  private readonly calls: Counts = new Map();
  private readonly errors = new Map<string, Counts>();
  private readonly faults = new Map<string, Counts>();

  call(action: string): void {
    bump(this.calls, action);
  }

  error(action: string, code: string): void {
    bump(nested(this.errors, action), code);
  }

  fault(action: string, kind: FaultKind): void {
    bump(nested(this.faults, action), kind);
  }

  reset(): void {
    this.calls.clear();
    this.errors.clear();
    this.faults.clear();
  }

  toJSON(): object {
    const flat = (map: Map<string, Counts>) =>
      Object.fromEntries([...map].map(([key, counts]) => [key, Object.fromEntries(counts)]));
    return { calls: Object.fromEntries(this.calls), errors: flat(this.errors), faultsInjected: flat(this.faults) };
  }
}
