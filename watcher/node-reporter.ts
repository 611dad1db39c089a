// Writes what the event path decided to the cluster: node conditions through the status subresource (a strategic
// merge patch merges by condition type, leaving kubelet's and Calico's conditions alone) and Events. Best effort:
// a failed write is logged and never stops a route.
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import { createEvent, patchNodeStatus, type KubeEvent } from "../kube/resources.ts";
import type { NodeEvent } from "./node-report.ts";

const COMPONENT = "ksyun-route-watcher";
const PARALLEL = 8;

export class NodeReporter {
  readonly #client: KubeClient;
  readonly #identity: string;
  readonly #lease: { readonly namespace: string; readonly name: string };
  readonly #log: Logger;
  /** Writes waiting for one of PARALLEL slots, so a burst of 500 nodes does not open 500 requests at once. */
  readonly #queue: (() => Promise<void>)[] = [];
  #active = 0;

  constructor(client: KubeClient, identity: string, lease: { namespace: string; name: string }, log: Logger) {
    this.#client = client;
    this.#identity = identity;
    this.#lease = lease;
    this.#log = log;
  }

  patchStatus(node: string, patch: object): Promise<void> {
    return this.#limited(() =>
      patchNodeStatus(this.#client, node, patch).catch((error: unknown) =>
        this.#log.warn({ node, err: String(error) }, "setting the node condition failed"),
      ),
    );
  }

  async emit(events: readonly NodeEvent[]): Promise<void> {
    await Promise.all(
      events.map((e) =>
        // kubectl describe node matches node events by name, with the name as uid (as kubelet writes them).
        this.#event(
          "default",
          { apiVersion: "v1", kind: "Node", name: e.node, uid: e.node },
          e.type,
          e.reason,
          e.message,
        ),
      ),
    );
  }

  /** A Warning about the watcher itself, on its Lease (`kubectl get events -n <namespace>`). */
  warn(reason: string, message: string): Promise<void> {
    const { namespace, name } = this.#lease;
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace, name };
    return this.#event(namespace, lease, "Warning", reason, message);
  }

  #event(
    namespace: string,
    involvedObject: KubeEvent["involvedObject"],
    type: KubeEvent["type"],
    reason: string,
    message: string,
  ) {
    const now = new Date().toISOString();
    const event: KubeEvent = {
      metadata: { generateName: `${involvedObject.name}.` },
      involvedObject,
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: COMPONENT },
      reportingComponent: COMPONENT,
      reportingInstance: this.#identity,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    return this.#limited(() =>
      createEvent(this.#client, namespace, event).catch((error: unknown) =>
        this.#log.warn({ object: involvedObject.name, err: String(error) }, "writing an event failed"),
      ),
    );
  }

  #limited(write: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#queue.push(() => write().finally(resolve));
      this.#next();
    });
  }

  #next(): void {
    while (this.#active < PARALLEL && this.#queue.length > 0) {
      const write = this.#queue.shift()!;
      this.#active++;
      void write().finally(() => {
        this.#active--;
        this.#next();
      });
    }
  }
}
