// A small Kubernetes REST client on node:https, for production code (the watcher, the program's node listing).
// Why not @kubernetes/client-node: on Node 24, importing it takes a process from 42 to 123 MiB RSS (2,742 generated
// model classes; its dist/watch.js alone costs 72 MiB, dist/config.js 119), while node:https and js-yaml cost
// ~5 MiB, and the watcher must peak at 120 MiB with 100 nodes. Tests keep client-node for their setup.
import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { KubeTarget } from "./config.ts";

/** A non-2xx answer, from its Status body. The message never carries credentials or headers. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;

  constructor(status: number, reason: string | undefined, message: string) {
    super(message);
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
  }
}

/** 409: an optimistic-concurrency conflict (stale resourceVersion) or AlreadyExists on create. */
export class KubeConflict extends KubeApiError {
  constructor(reason: string | undefined, message: string) {
    super(409, reason, message);
    this.name = "KubeConflict";
  }
}

type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** For patches: application/merge-patch+json or application/strategic-merge-patch+json. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

export interface ListOptions<U> {
  readonly pageSize?: number;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Applied to each page's items as they arrive, so only what it returns is kept. */
  readonly map?: (item: object) => U;
  readonly signal?: AbortSignal;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchOptions {
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
}

interface Status {
  reason?: string;
  message?: string;
  code?: number;
}

/** How long past its timeoutSeconds a watch may stay open before it counts as a dead connection. */
const WATCH_GRACE_MS = 30_000;

export class KubeClient {
  readonly #target: KubeTarget;
  readonly #agent: HttpAgent;
  readonly #request: typeof httpsRequest;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(target: KubeTarget, options: { timeoutMs?: number; userAgent?: string } = {}) {
    this.#target = target;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? "ksyun-route";
    if (target.server.protocol === "https:") {
      this.#request = httpsRequest;
      const { ca, cert, key } = target;
      this.#agent = new HttpsAgent({ keepAlive: true, ca, cert, key, rejectUnauthorized: !target.insecure });
    } else {
      // Loaded only for a plain-http server (kubectl proxy, tests): importing node:http costs another 7 MiB.
      const http = process.getBuiltinModule("node:http");
      this.#request = http.request;
      this.#agent = new http.Agent({ keepAlive: true });
    }
  }

  /** One JSON request; rejects with KubeApiError on a non-2xx answer, with the signal's reason when aborted. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const res = await this.#open(method, path, { ...options, signal });
      const text = await readText(res);
      if (!ok(res)) throw apiError(method, path, res.statusCode ?? 0, text);
      return (text === "" ? undefined : JSON.parse(text)) as T;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) throw new Error(`${method} ${path}: no answer within ${this.#timeoutMs} ms`);
      throw error;
    }
  }

  /** Every item of a list, `pageSize` at a time; `resourceVersion` is the list's, to watch from. */
  async listAll<U = object>(
    path: string,
    options: ListOptions<U> = {},
  ): Promise<{ items: U[]; resourceVersion: string }> {
    const { pageSize = 500, labelSelector, fieldSelector, map = (item: object) => item as U, signal } = options;
    const items: U[] = [];
    let token: string | undefined;
    for (;;) {
      const query = { limit: pageSize, continue: token, labelSelector, fieldSelector };
      const page = await this.request<{
        items: object[] | null;
        metadata: { resourceVersion: string; continue?: string };
      }>("GET", path, { query, signal });
      for (const item of page.items ?? []) items.push(map(item));
      token = page.metadata.continue || undefined;
      if (!token) return { items, resourceVersion: page.metadata.resourceVersion };
    }
  }

  /**
   * A watch stream, each event handed to `onEvent` as it is parsed. Resolves when the server ends the stream
   * (its timeoutSeconds); rejects with KubeApiError on an HTTP error or an ERROR event (e.g. 410 Gone: the
   * resourceVersion is too old, relist), or with the signal's reason when aborted.
   */
  async watch(
    path: string,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: object) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const { resourceVersion, allowWatchBookmarks, timeoutSeconds } = options;
    const query = { watch: 1, resourceVersion, allowWatchBookmarks, timeoutSeconds };
    const deadline =
      timeoutSeconds === undefined ? undefined : AbortSignal.timeout(timeoutSeconds * 1000 + WATCH_GRACE_MS);
    const signals = [signal, deadline].filter((s) => s !== undefined);
    try {
      const res = await this.#open("GET", path, { query, signal: AbortSignal.any(signals) });
      if (!ok(res)) throw apiError("GET", path, res.statusCode ?? 0, await readText(res));
      res.setEncoding("utf8");
      let pending = "";
      for await (const chunk of res as AsyncIterable<string>) {
        const lines = (pending + chunk).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) if (line.trim() !== "") dispatch(path, line, onEvent);
      }
      if (pending.trim() !== "") dispatch(path, pending, onEvent);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (deadline?.aborted) throw new Error(`GET ${path}: the watch outlived its timeout; the connection is dead`);
      throw error;
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #open(method: string, path: string, options: RequestOptions): Promise<IncomingMessage> {
    const url = new URL(this.#target.server.pathname.replace(/\/$/, "") + path, this.#target.server);
    for (const [key, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const token = await this.#target.token();
    const headers: Record<string, string> = { accept: "application/json", "user-agent": this.#userAgent };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
    return await new Promise<IncomingMessage>((resolve, reject) => {
      const req = this.#request(url, { method, headers, agent: this.#agent, signal: options.signal }, resolve);
      req.on("error", (error) => reject(new Error(`${method} ${path}: ${error.message}`, { cause: error })));
      req.end(body);
    });
  }
}

const ok = (res: IncomingMessage) => (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;

async function readText(res: IncomingMessage): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
}

function apiError(method: string, path: string, status: number, body: string): KubeApiError {
  let parsed: Status = {};
  try {
    parsed = JSON.parse(body) as Status;
  } catch {
    parsed = { message: body.slice(0, 500) };
  }
  return statusError(`${method} ${path}`, { ...parsed, code: status });
}

function statusError(what: string, status: Status): KubeApiError {
  const code = status.code ?? 0;
  const message = `${what}: ${code}${status.reason ? ` ${status.reason}` : ""}: ${status.message ?? "no message"}`;
  return code === 409 ? new KubeConflict(status.reason, message) : new KubeApiError(code, status.reason, message);
}

function dispatch(path: string, line: string, onEvent: (type: WatchEventType, object: object) => void): void {
  const event = JSON.parse(line) as { type: WatchEventType | "ERROR"; object: object };
  if (event.type === "ERROR") throw statusError(`watch ${path}`, event.object as Status);
  onEvent(event.type, event.object);
}
