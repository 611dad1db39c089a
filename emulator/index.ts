import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Faults } from "./faults.ts";
import { ResultCache } from "./paging.ts";
import { readState, StateFile } from "./persist.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { parseSeed, readSeedFile } from "./seed.ts";
import { requestHandler } from "./server.ts";
import { Stats } from "./stats.ts";
import { Store } from "./store.ts";
import type { Credential } from "./types.ts";
import { ValidationError } from "./validate.ts";

export interface EmulatorOptions {
  /** 0 or absent = a free port. The emulator binds 127.0.0.1 only. */
  port?: number;
  /** A seed object or the path of a seed JSON file. */
  seed: object | string;
  /** Persist instances and routes here (atomic writes); reloaded on start when present. */
  statePath?: string;
  /** Added to every API answer. */
  latencyMs?: number;
  /** Server-side QPS per access key and action; overrides the seed's `qps`. */
  qps?: number;
  /** Seed of the fault-injection random source (default 1). */
  faultSeed?: number;
  /** Clock for signature skew checks (tests replaying fixed-date vectors). */
  now?: () => Date;
}

export interface Emulator {
  url: string;
  port: number;
  state: Store;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const seed = typeof options.seed === "string" ? readSeedFile(options.seed) : parseSeed(options.seed);
  const store = new Store(seed.vpcs);
  const saved = options.statePath === undefined ? undefined : readState(options.statePath);
  try {
    store.load(saved ?? seed);
  } catch (error) {
    throw new ValidationError(`state file ${options.statePath}: ${(error as Error).message}`, { cause: error });
  }
  const stateFile =
    options.statePath === undefined ? undefined : new StateFile(options.statePath, () => store.snapshot());
  store.onChange = () => stateFile?.schedule();

  const qps = options.qps ?? seed.qps;
  const stats = new Stats();
  const faults = new Faults(options.faultSeed ?? 1);
  const limiter = new RateLimiter(qps);
  const credentials = new Map<string, Credential>();
  const setCredentials = (list: readonly Credential[]) => {
    credentials.clear();
    for (const c of list) credentials.set(c.accessKeyId, c);
  };
  setCredentials(seed.credentials);
  const reset = (statsOnly: boolean) => {
    stats.reset();
    if (statsOnly) return;
    store.load(seed);
    faults.clear();
    limiter.setQps(qps);
    setCredentials(seed.credentials);
  };
  const handler = requestHandler({
    api: {
      credentials,
      context: {
        store,
        routeQuota: seed.routeQuota,
        caches: { routes: new ResultCache(), vpcs: new ResultCache(), instances: new ResultCache() },
      },
      stats,
      faults,
      limiter,
      now: options.now ?? (() => new Date()),
    },
    control: { store, stats, faults, limiter, setCredentials, reset },
    latencyMs: options.latencyMs ?? 0,
  });

  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state: store,
    // Idempotent: a test may close early and its cleanup close again.
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        stateFile?.flush();
      })),
  };
}
