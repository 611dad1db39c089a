// Writes the run's results to the nodes: the NetworkUnavailable condition through the status subresource (a
// strategic merge patch merges by condition type, leaving kubelet's and Calico's conditions alone) and Events.
// Best effort: a failed write is logged and never fails the run.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { needsRouteCondition, routeCondition, type NodeEvent } from "./node-report.ts";

const COMPONENT = "ksyun-route-watcher";
const PARALLEL = 8;

async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) await Promise.all(items.slice(i, i + PARALLEL).map(fn));
}

export class NodeReporter {
  readonly #core: CoreV1Api;
  readonly #identity: string;
  readonly #log: Logger;

  constructor(kc: KubeConfig, identity: string, log: Logger) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#identity = identity;
    this.#log = log;
  }

  /** NetworkUnavailable=False/RouteCreated on the given nodes where needsRouteCondition says so. */
  async markRouted(nodes: readonly V1Node[]): Promise<void> {
    const patch = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
    await eachLimited(nodes.filter(needsRouteCondition), async (node) => {
      const name = node.metadata?.name ?? "";
      const body = { status: { conditions: [routeCondition(new Date())] } };
      await this.#core
        .patchNodeStatus({ name, body }, patch)
        .catch((error: unknown) =>
          this.#log.warn({ node: name, err: String(error) }, "setting the node condition failed"),
        );
    });
  }

  async emit(events: readonly NodeEvent[]): Promise<void> {
    await eachLimited(events, async (event) => {
      const now = new Date();
      await this.#core
        .createNamespacedEvent({
          namespace: "default", // where events of cluster-scoped objects go
          body: {
            metadata: { generateName: `${event.node}.` },
            // kubectl describe node matches node events by name, with the name as uid (as kubelet writes them).
            involvedObject: { apiVersion: "v1", kind: "Node", name: event.node, uid: event.node },
            type: event.type,
            reason: event.reason,
            message: event.message,
            source: { component: COMPONENT },
            reportingComponent: COMPONENT,
            reportingInstance: this.#identity,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        })
        .catch((error: unknown) => this.#log.warn({ node: event.node, err: String(error) }, "writing an event failed"));
    });
  }
}
