// The watcher's ledger of routes it made that the stack's state does not record yet: one ConfigMap key per
// destination, written (and awaited) before the CreateRoute call, completed with the RouteId after it, and removed
// once a convergence run has recorded the route or the route is gone. A new leader reads it first, so a route made
// by a leader that died before any run recorded it is never forgotten: its node still wants it, or it is deleted.
// Only routes in the ledger or the state are ever deleted, so foreign routes are never touched.
import { KubeConflict, type KubeClient } from "../kube/client.ts";
import { createConfigMap, getConfigMap, patchConfigMap } from "../kube/resources.ts";
import { LEDGER_NAME } from "../program/contract.ts";

export interface LedgerEntry {
  readonly destination: string;
  readonly node: string;
  readonly instanceId: string;
  /** Absent between the intent and KSYun's answer (a leader that died there leaves it absent). */
  readonly routeId?: string | undefined;
}

/** The ledger's ConfigMap: `data` read whole, and changed by JSON merge patches (null removes a key). */
export interface ConfigMapStore {
  read(): Promise<Readonly<Record<string, string>> | undefined>;
  create(): Promise<void>;
  patch(data: Readonly<Record<string, string | null>>): Promise<void>;
}

// ConfigMap keys allow [-._a-zA-Z0-9] only: "172.16.1.0/24" is stored as "172.16.1.0_24".
const keyOf = (destination: string) => destination.replace("/", "_");
const destinationOf = (key: string) => key.replace("_", "/");

function parse(key: string, value: string): LedgerEntry | undefined {
  try {
    const { node, instanceId, routeId } = JSON.parse(value) as Partial<LedgerEntry>;
    if (typeof node !== "string" || typeof instanceId !== "string") return undefined;
    return { destination: destinationOf(key), node, instanceId, ...(typeof routeId === "string" && { routeId }) };
  } catch {
    return undefined;
  }
}

export class Ledger {
  readonly #store: ConfigMapStore;
  readonly #entries = new Map<string, LedgerEntry>();
  /** Changes not yet written, by key; one patch in flight at a time carries all of them. */
  #pending = new Map<string, string | null>();
  #writing: Promise<void> | undefined;

  constructor(store: ConfigMapStore) {
    this.#store = store;
  }

  /** Reads the ConfigMap (creating it when absent); unreadable entries are dropped, with their keys. */
  async load(): Promise<LedgerEntry[]> {
    let data = await this.#store.read();
    if (data === undefined) {
      await this.#store.create();
      data = {};
    }
    this.#entries.clear();
    const unreadable: Record<string, null> = {};
    for (const [key, value] of Object.entries(data)) {
      const entry = parse(key, value);
      if (entry) this.#entries.set(entry.destination, entry);
      else unreadable[key] = null;
    }
    if (Object.keys(unreadable).length > 0) await this.#store.patch(unreadable);
    return this.entries();
  }

  entries(): LedgerEntry[] {
    return [...this.#entries.values()];
  }

  get(destination: string): LedgerEntry | undefined {
    return this.#entries.get(destination);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Records the entries; resolves once the API server has them. */
  record(entries: readonly LedgerEntry[]): Promise<void> {
    for (const entry of entries) {
      this.#entries.set(entry.destination, entry);
      const { node, instanceId, routeId } = entry;
      this.#pending.set(keyOf(entry.destination), JSON.stringify({ node, instanceId, ...(routeId && { routeId }) }));
    }
    return this.#flush();
  }

  /** Removes the entries of these destinations. */
  forget(destinations: readonly string[]): Promise<void> {
    const known = destinations.filter((d) => this.#entries.delete(d));
    for (const destination of known) this.#pending.set(keyOf(destination), null);
    return this.#flush();
  }

  /** Resolves when every change so far is written. */
  async written(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #flush(): Promise<void> {
    if (this.#pending.size === 0) return this.written();
    // Changes made while a patch is in flight go in the next one, which waits for it.
    const after = this.#writing ?? Promise.resolve();
    const next: Promise<void> = after
      .catch(() => undefined)
      .then(async () => {
        if (this.#pending.size === 0) return;
        const batch = Object.fromEntries(this.#pending);
        this.#pending = new Map();
        try {
          await this.#store.patch(batch);
        } catch (error) {
          // Not written: keep what is still the latest change of each key, for the next attempt.
          for (const [key, value] of Object.entries(batch)) if (!this.#pending.has(key)) this.#pending.set(key, value);
          throw error;
        }
      })
      .finally(() => {
        if (this.#writing === next) this.#writing = undefined;
      });
    this.#writing = next;
    return next;
  }
}

/** The ledger's ConfigMap in the watcher's namespace (the Role grants get, create and patch on it). */
export function configMapStore(client: KubeClient, namespace: string): ConfigMapStore {
  return {
    read: async () => {
      const configMap = await getConfigMap(client, namespace, LEDGER_NAME);
      return configMap && (configMap.data ?? {});
    },
    async create() {
      try {
        await createConfigMap(client, namespace, LEDGER_NAME, {});
      } catch (error) {
        // Another leader's create won the race: the ConfigMap is there, which is all that is needed.
        if (!(error instanceof KubeConflict)) throw error;
      }
    },
    patch: async (data) => void (await patchConfigMap(client, namespace, LEDGER_NAME, data)),
  };
}
