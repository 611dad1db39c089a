// `node bench/watcher-latency.ts [joins]`: how long a new node waits for its route with the watcher running (default
// flags, least-privilege service account), over 20 joins one at a time: p50, p90 and max, printed, not asserted.
import type * as k8s from "@kubernetes/client-node";
import { watcherClusterRules, watcherNamespaceRules } from "../program/manifests/watcher.ts";
import { waitFor } from "../testenv/ports.ts";
import { programStack } from "../test/e2e/program-stack.ts";
import { addInstances, extraNode } from "../test/e2e/watcher-nodes.ts";
import { startWatcher } from "../test/e2e/watcher-process.ts";

const joins = Number(process.argv[2] ?? 20);
const s = await programStack();
try {
  await Promise.all([s.ok(["up", "--yes", "--skip-preview"]), addInstances(s.control, 0, joins)]);
  const rules: k8s.V1PolicyRule[] = [...watcherClusterRules, ...watcherNamespaceRules].map((r) => ({
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    verbs: [...r.verbs],
    ...(r.resourceNames && { resourceNames: [...r.resourceNames] }),
  }));
  const kubeconfig = await s.kube.serviceAccountKubeconfig("watcher-bench", rules);
  const watcher = await startWatcher(s, { identity: "bench", kubeconfig, resync: "1h" });
  const idle = () =>
    waitFor(
      "the watcher idle",
      async () => ((await watcher.metric("ksyun_route_watcher_run_in_progress")) === 0 ? true : undefined),
      120_000,
    );
  await waitFor("the first run", async () =>
    (await watcher.metric("ksyun_route_watcher_runs_total", { result: "success" })) >= 1 ? true : undefined,
  );

  const latencies: number[] = [];
  for (let i = 0; i < joins; i++) {
    await idle();
    const cidr = `172.20.${100 + i}.0/24`;
    const joined = performance.now();
    await s.core.createNode({ body: extraNode(`join-${i}`, cidr, i) });
    await waitFor(
      `the route of join-${i}`,
      async () => ((await s.control.routes()).some((r) => r.destinationCidrBlock === cidr) ? true : undefined),
      120_000,
    );
    latencies.push(performance.now() - joined);
    process.stderr.write(`join-${i}: ${(latencies.at(-1)! / 1000).toFixed(2)} s\n`);
  }
  const sorted = [...latencies].sort((x, y) => x - y);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000).toFixed(2);
  const runs = await watcher.metric("ksyun_route_watcher_run_duration_seconds_sum");
  const count = await watcher.metric("ksyun_route_watcher_run_duration_seconds_count");
  console.log(
    `node join → route (${joins} joins, default debounce): p50 ${at(0.5)} s, p90 ${at(0.9)} s, max ${at(1)} s; ` +
      `mean run ${(runs / count).toFixed(2)} s over ${count} runs`,
  );
  await watcher.proc.stop();
} finally {
  await s.close();
}
