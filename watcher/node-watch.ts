// The Node informer, keeping of each node only what routing reads (program/node-facts.ts routingView) and its
// NetworkUnavailable condition (the gate must not rewrite what it already says, or what Calico owns): tens of
// bytes per node rather than the kilobytes of a Node a kubelet keeps rewriting.
import type { V1Node } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import { Informer } from "../kube/informer.ts";
import { routingView } from "../program/contract.ts";
import { CONDITION_TYPE } from "./node-report.ts";
import { routingRelevantChange } from "./relevance.ts";

export interface NodeWatchOptions {
  /** A change that can alter the route plan: a node added, deleted, or updated in a routing-relevant field. */
  readonly onChange: (reason: "add" | "update" | "delete", node: string) => void;
  readonly onError: (error: unknown, retryInMs: number) => void;
  /** A full list: the first one, and each relist after a 410 Gone (the watch's resource version expired). */
  readonly onList: (nodes: number, resourceVersion: string | undefined) => void;
}

/** What the watcher keeps of a node. */
function watchedNode(raw: V1Node): V1Node {
  const view = routingView(raw);
  const condition = raw.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
  return condition ? { ...view, status: { ...view.status, conditions: [condition] } } : view;
}

const nameOf = (node: V1Node) => node.metadata?.name ?? "";

export class NodeWatch {
  readonly #informer: Informer<V1Node>;

  constructor(client: KubeClient, options: NodeWatchOptions) {
    this.#informer = new Informer<V1Node>(client, "/api/v1/nodes", {
      trim: (raw) => watchedNode(raw as V1Node),
      name: nameOf,
      onAdd: (node) => options.onChange("add", nameOf(node)),
      onUpdate: (old, node) => {
        if (routingRelevantChange(old, node)) options.onChange("update", nameOf(node));
      },
      onDelete: (node) => options.onChange("delete", nameOf(node)),
      onList: options.onList,
      onError: options.onError,
    });
  }

  /** True once the first list has been applied (and stays true through restarts). */
  get synced(): boolean {
    return this.#informer.synced;
  }

  node(name: string): V1Node | undefined {
    return this.#informer.get(name);
  }

  nodes(): V1Node[] {
    return this.#informer.list();
  }

  get size(): number {
    return this.#informer.size;
  }

  /** Resolves once the first list is applied. */
  start(): Promise<void> {
    return this.#informer.start();
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }
}
