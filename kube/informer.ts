// List-then-watch with client-go Reflector semantics, keeping only trimmed objects: the raw ones are garbage as soon
// as `trim` returns, so memory follows what the caller needs, not the size of a full Node. The cache stays served
// through outages: errors are retried with capped exponential backoff, a 410 Gone (the watch's resourceVersion
// expired) relists and reconciles the cache, and a stream the server ends normally is re-watched from where it was.
import { setTimeout as sleep } from "node:timers/promises";
import { KubeApiError, type KubeClient, type WatchEventType } from "./client.ts";

export interface InformerOptions<T> {
  /** What to keep of each object; also the relevance filter: an update is reported only if the trim changed. */
  readonly trim: (raw: object) => T;
  readonly name: (t: T) => string;
  readonly pageSize?: number;
  /** Default: random in [5, 10) minutes, as client-go, so that many watchers do not reconnect in step. */
  readonly watchTimeoutSeconds?: number;
  readonly onAdd?: (t: T) => void;
  readonly onUpdate?: (old: T, updated: T) => void;
  readonly onDelete?: (t: T) => void;
  /** A full list was applied: the first one and each relist. */
  readonly onList?: (count: number, resourceVersion: string) => void;
  readonly onError?: (error: unknown, retryInMs: number) => void;
}

const BACKOFF = { baseMs: 1_000, maxMs: 30_000 };
/** Errors further apart than this are separate outages, each starting again from the shortest delay. */
const QUIET_MS = 2 * BACKOFF.maxMs;
/** A stream that ends sooner than this without events is an error, not a timeout (client-go's "very short watch"). */
const SHORT_WATCH_MS = 1_000;

export class Informer<T> {
  readonly #client: KubeClient;
  readonly #path: string;
  readonly #o: InformerOptions<T>;
  #cache = new Map<string, T>();
  #resourceVersion: string | undefined;
  #synced = false;
  #failures = 0;
  #lastError = 0;
  #stop: AbortController | undefined;
  #running: Promise<void> | undefined;
  #onSynced: (() => void) | undefined;
  /** No event since the last list: a 410 now means relisting is not helping, so it backs off like other errors. */
  #freshList = false;

  constructor(client: KubeClient, path: string, options: InformerOptions<T>) {
    this.#client = client;
    this.#path = path;
    this.#o = options;
  }

  /** True once the first list has been applied; stays true through relists and outages. */
  get synced(): boolean {
    return this.#synced;
  }

  get size(): number {
    return this.#cache.size;
  }

  get(name: string): T | undefined {
    return this.#cache.get(name);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  /** Starts listing and watching; resolves once the first list has been applied (or on stop). Never rejects. */
  start(): Promise<void> {
    if (this.#stop) throw new Error(`the informer of ${this.#path} is already started`);
    const stop = new AbortController();
    this.#stop = stop;
    const synced = new Promise<void>((resolve) => {
      this.#onSynced = resolve;
      stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.#running = this.#run(stop.signal);
    return synced;
  }

  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#running;
    this.#stop = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let relist = true;
    while (!signal.aborted) {
      try {
        if (relist) await this.#list(signal);
        relist = false;
        await this.#watch(signal);
      } catch (error) {
        if (signal.aborted) return;
        const gone = error instanceof KubeApiError && error.status === 410;
        relist ||= gone;
        if (gone && !this.#freshList) continue;
        if (Date.now() - this.#lastError > QUIET_MS) this.#failures = 0;
        this.#lastError = Date.now();
        const delay = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** Math.min(this.#failures++, 5));
        this.#o.onError?.(error, delay);
        // An abort ends the wait early (rejecting, which only means "stop waiting").
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Lists everything and reconciles the cache with it: deletes for what is gone, adds and updates for the rest. */
  async #list(signal: AbortSignal): Promise<void> {
    const { trim, name } = this.#o;
    const { items, resourceVersion } = await this.#client.listAll(this.#path, {
      pageSize: this.#o.pageSize,
      map: trim,
      signal,
    });
    const previous = this.#cache;
    this.#cache = new Map(items.map((item) => [name(item), item]));
    this.#resourceVersion = resourceVersion;
    this.#synced = true;
    this.#freshList = true;
    for (const [key, old] of previous) if (!this.#cache.has(key)) this.#o.onDelete?.(old);
    for (const item of items) this.#changed(previous.get(name(item)), item);
    this.#o.onList?.(items.length, resourceVersion);
    this.#onSynced?.();
  }

  async #watch(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    let events = 0;
    const timeoutSeconds = this.#o.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    const options = { resourceVersion: this.#resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
    const onEvent = (type: WatchEventType, raw: object) => {
      events += 1;
      this.#freshList = false;
      this.#apply(type, raw);
    };
    await this.#client.watch(this.#path, options, onEvent, signal);
    if (events === 0 && Date.now() - started < SHORT_WATCH_MS)
      throw new Error(`the watch of ${this.#path} ended within ${SHORT_WATCH_MS} ms without events`);
  }

  #apply(type: WatchEventType, raw: object): void {
    const resourceVersion = (raw as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
    if (resourceVersion) this.#resourceVersion = resourceVersion;
    if (type === "BOOKMARK") return;
    const item = this.#o.trim(raw);
    const key = this.#o.name(item);
    const old = this.#cache.get(key);
    if (type === "DELETED") {
      this.#cache.delete(key);
      this.#o.onDelete?.(old ?? item);
      return;
    }
    this.#cache.set(key, item);
    this.#changed(old, item);
  }

  #changed(old: T | undefined, item: T): void {
    if (old === undefined) this.#o.onAdd?.(item);
    else if (stableJson(withoutResourceVersion(old)) !== stableJson(withoutResourceVersion(item)))
      this.#o.onUpdate?.(old, item);
  }
}

/** The trimmed object without metadata.resourceVersion, which changes with every write, relevant or not. */
function withoutResourceVersion(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("metadata" in value)) return value;
  const { metadata } = value as { metadata: unknown };
  if (typeof metadata !== "object" || metadata === null) return value;
  const { resourceVersion: _, ...rest } = metadata as Record<string, unknown>;
  return { ...value, metadata: rest };
}

/** JSON with object keys sorted, so equal values serialize equally whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
