import type { ApiError } from "./errors.ts";
import { internalFailure, serviceUnavailable, throttled } from "./errors.ts";
import { seededRandom } from "./random.ts";
import { ValidationError, object, optionalNumber } from "./validate.ts";

export type FaultKind = "latency" | "throttle" | "error5xx" | "reset";

interface FaultSpec {
  error5xxRate: number;
  throttleRate: number;
  latencyMs: number;
  resetRate: number;
  throttleBurst: number;
}

export interface FaultDecision {
  latencyMs: number;
  /** Answer with this error instead of running the action. */
  error?: ApiError;
  /** Run the action, then reset the connection: the client loses a response to a call that took effect. */
  reset: boolean;
  injected: FaultKind[];
}

const SPEC_KEYS = ["error5xxRate", "throttleRate", "latencyMs", "resetRate", "throttleBurst"];

/**
 * Injected faults per action name or "*" (fallback for actions without their own entry).
 * `throttleBurst` throttles that many calls deterministically before `throttleRate` applies.
 */
export class Faults {
  private specs = new Map<string, FaultSpec>();
  private readonly burstLeft = new Map<string, number>();
  private readonly initialSeed: number;
  private random: () => number;

  constructor(seed: number) {
    this.initialSeed = seed;
    this.random = seededRandom(seed);
  }

  /** Replaces the whole configuration; a top-level numeric "seed" reseeds the random source. */
  configure(raw: unknown): void {
    const body = object(raw, "faults");
    const specs = new Map<string, FaultSpec>();
    let seed: number | undefined;
    for (const [key, value] of Object.entries(body)) {
      if (key === "seed") {
        seed = optionalNumber(body, "seed", "faults", 0, true);
        continue;
      }
      if (key !== "*" && !/^[A-Z][A-Za-z]+$/.test(key)) {
        throw new ValidationError(`faults.${key}: expected an action name such as CreateRoute, or "*"`);
      }
      specs.set(key, parseSpec(value, `faults.${key}`));
    }
    this.specs = specs;
    this.burstLeft.clear();
    for (const [key, spec] of specs) this.burstLeft.set(key, spec.throttleBurst);
    if (seed !== undefined) this.random = seededRandom(seed);
  }

  clear(): void {
    this.specs.clear();
    this.burstLeft.clear();
    this.random = seededRandom(this.initialSeed);
  }

  decide(action: string): FaultDecision {
    const key = this.specs.has(action) ? action : "*";
    const spec = this.specs.get(key);
    const decision: FaultDecision = { latencyMs: spec?.latencyMs ?? 0, reset: false, injected: [] };
    if (spec === undefined) return decision;
    if (spec.latencyMs > 0) decision.injected.push("latency");
    const burst = this.burstLeft.get(key) ?? 0;
    if (burst > 0) this.burstLeft.set(key, burst - 1);
    if (burst > 0 || this.chance(spec.throttleRate)) {
      decision.error = throttled();
      decision.injected.push("throttle");
    } else if (this.chance(spec.error5xxRate)) {
      decision.error = this.random() < 0.5 ? internalFailure() : serviceUnavailable();
      decision.injected.push("error5xx");
    } else if (this.chance(spec.resetRate)) {
      decision.reset = true;
      decision.injected.push("reset");
    }
    return decision;
  }

  private chance(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }
}

function parseSpec(raw: unknown, path: string): FaultSpec {
  const obj = object(raw, path, SPEC_KEYS);
  const rate = (key: string) => {
    const value = optionalNumber(obj, key, path, 0, false) ?? 0;
    if (value > 1) throw new ValidationError(`${path}.${key}: expected a probability from 0 to 1, got ${value}`);
    return value;
  };
  return {
    error5xxRate: rate("error5xxRate"),
    throttleRate: rate("throttleRate"),
    resetRate: rate("resetRate"),
    latencyMs: optionalNumber(obj, "latencyMs", path, 0, true) ?? 0,
    throttleBurst: optionalNumber(obj, "throttleBurst", path, 0, true) ?? 0,
  };
}
