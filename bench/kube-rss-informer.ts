// The process bench/kube-rss.ts measures: kube/ and a Node trim with what the planner and the watcher read, nothing
// else (no client-node, no testenv). Lists and watches the Nodes of $KUBECONFIG and writes a JSON line with its
// memory when it has synced, and when it sees the Node named by its argument (created after the churn it measures).
import { readFileSync } from "node:fs";
import { KubeClient } from "../kube/client.ts";
import { loadKubeTarget } from "../kube/config.ts";
import { Informer } from "../kube/informer.ts";
import { EXCLUDE_LABELS, INSTANCE_ANNOTATIONS } from "../program/node-facts.ts";

interface RawNode {
  metadata: {
    name: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: { podCIDR?: string; podCIDRs?: string[]; providerID?: string };
  status?: {
    nodeInfo?: { systemUUID?: string };
    addresses?: { type: string; address: string }[];
    conditions?: { type: string }[];
  };
}

function pick(record: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((key) => (record?.[key] === undefined ? [] : [[key, record[key]]])));
}

/** The Node's routing inputs and its NetworkUnavailable condition, shaped as a Node. */
function trim(raw: object) {
  const { metadata, spec = {}, status = {} } = raw as RawNode;
  return {
    metadata: {
      name: metadata.name,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      deletionTimestamp: metadata.deletionTimestamp,
      labels: pick(metadata.labels, EXCLUDE_LABELS),
      annotations: pick(metadata.annotations, INSTANCE_ANNOTATIONS),
    },
    spec: { podCIDR: spec.podCIDR, podCIDRs: spec.podCIDRs, providerID: spec.providerID },
    status: {
      nodeInfo: { systemUUID: status.nodeInfo?.systemUUID },
      addresses: status.addresses?.filter((a) => a.type === "InternalIP"),
      conditions: status.conditions?.filter((c) => c.type === "NetworkUnavailable"),
    },
  };
}

function report(phase: string, extra: object = {}): void {
  const proc = readFileSync("/proc/self/status", "utf8");
  const mib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(proc)?.[1] ?? 0) / 1024;
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  process.stdout.write(`${JSON.stringify({ phase, rss: mib("VmRSS"), hwm: mib("VmHWM"), heap, ...extra })}\n`);
}

const marker = process.argv[2];
report("imported");
// As the watcher stops: an orderly exit, which also writes NODE_COMPILE_CACHE.
process.on("SIGTERM", () => process.exit(0));
let updates = 0;
const informer = new Informer(new KubeClient(loadKubeTarget()), "/api/v1/nodes", {
  trim,
  name: (node) => node.metadata.name,
  onUpdate: () => updates++,
  onAdd: (node) => {
    if (node.metadata.name === marker) report("watched", { nodes: informer.size, updates });
  },
  onError: (error) => process.stderr.write(`informer: ${String(error)}\n`),
});
await informer.start();
report("synced", { nodes: informer.size });
