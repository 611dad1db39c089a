// `node bench/kube-rss.ts [--nodes 1000]`: the memory of a process that lists and watches realistic Nodes with kube/
// (bench/kube-rss-informer.ts), against a real API server: after the list, and after every node's kubelet
// heartbeat (status updates the trim ignores) has come through the watch. Run by hand; a Markdown table on stdout.
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { startKube } from "../testenv/kube.ts";
import { spawnSession } from "../testenv/processes.ts";
import { createNodes, heartbeats } from "./cluster-nodes.ts";

const { values } = parseArgs({ options: { nodes: { type: "string", default: "1000" } } });
const count = Number(values.nodes);
const MARKER = "rss-marker";
/** The conditions clusterNode() gives each node: a heartbeat renews every one. */
const KUBELET_CONDITIONS = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"].map((type) => ({ type }));
const log = (text: string) => process.stderr.write(`bench/kube-rss: ${text}\n`);

interface Phase {
  phase: string;
  rss: number;
  hwm: number;
  heap: number;
  nodes?: number;
  updates?: number;
}

/** One run of the measured process, its phases labelled with `run`. */
async function measure(core: k8s.CoreV1Api, run: string, env: NodeJS.ProcessEnv): Promise<Phase[]> {
  const child = spawnSession(process.execPath, [join(import.meta.dirname, "kube-rss-informer.ts"), MARKER], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const phases: Phase[] = [];
  for await (const line of createInterface({ input: child.child.stdout! })) {
    const phase = JSON.parse(line) as Phase;
    phases.push({ ...phase, phase: `${run}: ${phase.phase}` });
    log(`${run}: ${phase.phase}: RSS ${phase.rss.toFixed(1)} MiB`);
    if (phase.phase === "synced") {
      await heartbeats(core, count, KUBELET_CONDITIONS);
      await core.createNode({ body: { metadata: { name: MARKER } } });
    }
    if (phase.phase === "watched") break;
  }
  await child.stop();
  await core.deleteNode({ name: MARKER });
  return phases;
}

const kube = await startKube();
try {
  const core = kube.kubeConfig.makeApiClient(k8s.CoreV1Api);
  await createNodes(core, 0, count);
  log(`${count} nodes created`);
  // Node strips the types of every .ts file it loads, with a WebAssembly compiler that stays in memory, unless
  // NODE_COMPILE_CACHE already holds the result: the first run fills the cache, the second one uses it.
  const env = { ...process.env, KUBECONFIG: kube.kubeconfigPath, NODE_COMPILE_CACHE: join(kube.dir, "compile-cache") };
  const phases = [...(await measure(core, "cold", env)), ...(await measure(core, "compile cache", env))];
  const mib = (n: number) => n.toFixed(1);
  console.log(
    [
      `Node ${process.version}, ${count} nodes as bench/cluster-nodes.ts registers them; kube/ informer with the planner's trim.`,
      "",
      "| phase | nodes in the cache | updates reported | RSS (MiB) | peak RSS (MiB) | heap used (MiB) |",
      "|---|--:|--:|--:|--:|--:|",
      ...phases.map(
        (p) =>
          `| ${p.phase} | ${p.nodes ?? "–"} | ${p.updates ?? "–"} | ${mib(p.rss)} | ${mib(p.hwm)} | ${mib(p.heap)} |`,
      ),
    ].join("\n"),
  );
} finally {
  await kube.stop();
}
