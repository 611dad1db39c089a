// The Node informer. client-node 2.x relists by itself on 410 Gone and reconnects after watch timeouts, but stops
// for good on any other error (API server restarts, network errors, 5xx); it is restarted here with backoff. With an
// in-cluster config every request re-reads the projected service-account token file once it is a minute old
// (client-node's FileAuth, as client-go), so a rotated token is picked up without a restart.
import { CoreV1Api, makeInformer, type Informer, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import { backoffDelay } from "./backoff.ts";
import { routingRelevantChange } from "./relevance.ts";

export interface NodeWatchOptions {
  /** A change that can alter the route plan: a node added, deleted, or updated in a routing-relevant field. */
  readonly onChange: (reason: "add" | "update" | "delete", node: string) => void;
  readonly onError: (error: unknown, retryInMs: number) => void;
  /** A full list: the first one, and each relist after a 410 Gone (the watch's resource version expired). */
  readonly onList: (nodes: number, resourceVersion: string | undefined) => void;
}

const RESTART = { baseMs: 1_000, maxMs: 30_000 };

export class NodeWatch {
  readonly #informer: Informer<V1Node>;
  /** The last version seen of each node: client-node hands update callbacks the new object only. */
  readonly #seen = new Map<string, V1Node>();
  #synced = false;
  #failures = 0;
  #lastError = 0;
  #restart: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #onError: NodeWatchOptions["onError"];

  constructor(kc: KubeConfig, options: NodeWatchOptions) {
    this.#onError = options.onError;
    const core = kc.makeApiClient(CoreV1Api);
    const list = async () => {
      const nodes = await core.listNode();
      options.onList(nodes.items.length, nodes.metadata?.resourceVersion);
      // The informer applies the list right after this resolves; mark synced once it has.
      setImmediate(() => (this.#synced = true));
      return nodes;
    };
    this.#informer = makeInformer(kc, "/api/v1/nodes", list);
    const name = (node: V1Node) => node.metadata?.name ?? "";
    this.#informer.on("add", (node) => {
      this.#seen.set(name(node), node);
      options.onChange("add", name(node));
    });
    this.#informer.on("update", (node) => {
      const old = this.#seen.get(name(node));
      this.#seen.set(name(node), node);
      if (!old || routingRelevantChange(old, node)) options.onChange("update", name(node));
    });
    this.#informer.on("delete", (node) => {
      this.#seen.delete(name(node));
      options.onChange("delete", name(node));
    });
    this.#informer.on("error", (error) => this.#restartLater(error));
  }

  #restartLater(error: unknown): void {
    if (this.#stopped) return;
    // Errors a while apart are separate outages, each starting from the shortest delay.
    if (Date.now() - this.#lastError > 2 * RESTART.maxMs) this.#failures = 0;
    this.#lastError = Date.now();
    const delay = backoffDelay(++this.#failures, RESTART);
    this.#onError(error, delay);
    this.#restart = setTimeout(() => this.#informer.start().catch((e: unknown) => this.#restartLater(e)), delay);
  }

  /** True once the first list has been applied (and stays true through restarts). */
  get synced(): boolean {
    return this.#synced;
  }

  node(name: string): V1Node | undefined {
    return this.#seen.get(name);
  }

  names(): string[] {
    return [...this.#seen.keys()];
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#informer.start().catch((error: unknown) => this.#restartLater(error));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restart);
    await this.#informer.stop();
  }
}
