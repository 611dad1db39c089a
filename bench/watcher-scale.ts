// `node bench/watcher-scale.ts [--nodes 100,1000] [--joins 20,10] [--burst 500] [--informer 5000] [--observe 60]`:
// the watcher at scale, as a local process with the least-privilege service account and default flags, against the
// emulator with 50 ms added to every answer and the provider at `ksyun-route:qps` 50. Three measurements, printed
// as Markdown tables, not asserted (an empty --nodes, or --burst or --informer 0, skips one):
// - node join → route present, one join at a time, on clusters that already have N routed nodes;
// - a burst of nodes created at once → all their routes present, against the bound burst / QPS;
// - the peak RSS of the watcher with --informer nodes in its informer, and of the run it starts.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type * as k8s from "@kubernetes/client-node";
import { watcherClusterRules, watcherNamespaceRules } from "../program/manifests/watcher.ts";
import { waitFor } from "../testenv/ports.ts";
import { programStack, type ProgramStack } from "../test/e2e/program-stack.ts";
import { addInstances } from "../test/e2e/watcher-nodes.ts";
import { startWatcher, type WatcherProcess } from "../test/e2e/watcher-process.ts";
import { CREATE_CONCURRENCY, createNodes, POD_CIDR, podCidr } from "./cluster-nodes.ts";

const LATENCY_MS = 50;
const QPS = 50;
/** While the clusters are set up: the routes they start with are not what is measured. */
const SETUP_QPS = 1000;

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "100,1000" },
    joins: { type: "string", default: "20,10" },
    burst: { type: "string", default: "500" },
    informer: { type: "string", default: "5000" },
    observe: { type: "string", default: "60" },
  },
});
const list = (text: string) => (text === "" ? [] : text.split(",").map(Number));
const sizes = list(values.nodes);
const joinsAt = list(values.joins);
const burst = Number(values.burst);
const informer = Number(values.informer);
const observeSeconds = Number(values.observe);

const log = (text: string) => process.stderr.write(`bench/watcher-scale: ${text}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

/** VmRSS and VmHWM (peak) of a process, in MiB; undefined once it is gone. */
function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** What a process of the run is, from its command line. */
function role(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const command = argv.join(" ");
    if (command.includes("dynamic-provider")) return "provider plugin (node)";
    if (command.includes("pulumi/cmd/run")) return "program (node)";
    const name = basename(argv[0]!);
    if (name === "pulumi") return "pulumi CLI";
    return name === "sh" ? undefined : name; // sh: the plugin's shim, which starts its node
  } catch {
    return undefined;
  }
}

/** The processes of a session (pgrep exits 1 when there are none). */
function sessionPids(sid: number): number[] {
  try {
    return execFileSync("pgrep", ["-s", String(sid)], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** A stack with `nodes` nodes in its cluster (not yet routed) and instances for `spare` more. */
async function withCluster<T>(nodes: number, spare: number, body: (s: ProgramStack) => Promise<T>): Promise<T> {
  const s = await programStack({ routeQuota: nodes + spare });
  try {
    await s.config("podCidr", POD_CIDR);
    await s.config("qps", String(SETUP_QPS));
    // The manifests, and no routes yet: the watcher's first run creates them.
    await Promise.all([s.ok(["up", "--yes", "--skip-preview"]), addInstances(s.control, 0, nodes + spare)]);
    await createNodes(s.core, 0, nodes);
    log(`${nodes} nodes in the cluster`);
    return await body(s);
  } finally {
    await s.close();
  }
}

/** The emulator and the provider as measured (the stack config is read by each run). */
async function measuring(s: ProgramStack): Promise<void> {
  await s.control.faults({ "*": { latencyMs: LATENCY_MS } });
  await s.config("qps", String(QPS));
}

/** Memory table rows: one per watcher started, more for the informer measurement. */
const memoryRows: string[] = [];
const mib = (n: number) => n.toFixed(0);

/** A watcher, once ready: its informer has synced and its first run (`up --refresh`) has started. */
async function watch(s: ProgramStack, nodes: number): Promise<WatcherProcess> {
  const rules: k8s.V1PolicyRule[] = [...watcherClusterRules, ...watcherNamespaceRules].map((r) => ({
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    verbs: [...r.verbs],
    ...(r.resourceNames && { resourceNames: [...r.resourceNames] }),
  }));
  const kubeconfig = await s.kube.serviceAccountKubeconfig("watcher-bench", rules);
  const started = performance.now();
  // No periodic run during the measurements.
  const w = await startWatcher(s, { identity: "bench", kubeconfig, resync: "1h" });
  await waitFor("/readyz", async () => ((await w.ready()) ? true : undefined), 300_000);
  const ready = seconds(performance.now() - started);
  const m = memory(w.proc.pid)!;
  log(`N=${nodes}: watcher ready after ${ready} s, RSS ${mib(m.rss)} MiB`);
  memoryRows.push(`| watcher | ${nodes} | at /readyz, ${ready} s after start | ${mib(m.rss)} | ${mib(m.hwm)} |`);
  return w;
}

const runs = (w: WatcherProcess) => w.metric("ksyun_route_watcher_runs_total");
const idle = (w: WatcherProcess) =>
  waitFor(
    "the watcher idle",
    async () => ((await w.metric("ksyun_route_watcher_run_in_progress")) === 0 ? true : undefined),
    600_000,
  );
/** The first run (`up --refresh`) creates every route of the cluster. */
async function firstRun(w: WatcherProcess, routes: number): Promise<void> {
  await waitFor(
    "the first run",
    async () => ((await runs(w)) >= 1 ? true : undefined),
    120_000 + routes * 1000, // the engine, not the API, sets the pace: under a second per route
  );
  await idle(w);
  const ok = await w.metric("ksyun_route_watcher_runs_total", { result: "success" });
  if (ok < 1) throw new Error(`the watcher's first run failed: ${JSON.stringify(w.logs().slice(-5))}`);
}
const routeCount = async (s: ProgramStack) => (await s.control.routes()).length;

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

async function joinLatency(nodes: number, joins: number): Promise<string> {
  return withCluster(nodes, joins, async (s) => {
    const w = await watch(s, nodes);
    const sampler = samplePeaks(w);
    await firstRun(w, nodes);
    memoryRows.push(...peakRows(await sampler.stop(), nodes, `in the first run (${nodes} routes created)`));
    if ((await routeCount(s)) !== nodes) throw new Error(`expected ${nodes} routes after the first run`);
    await measuring(s);
    const event = { kind: "event" };
    const [sumBefore, countBefore] = [
      await w.metric("ksyun_route_watcher_run_duration_seconds_sum", event),
      await w.metric("ksyun_route_watcher_run_duration_seconds_count", event),
    ];
    const latencies: number[] = [];
    for (let i = nodes; i < nodes + joins; i++) {
      await idle(w);
      const cidr = podCidr(i);
      const joined = performance.now();
      await createNodes(s.core, i, 1);
      await waitFor(
        `the route of node-${i}`,
        async () => ((await s.control.routes()).some((r) => r.destinationCidrBlock === cidr) ? true : undefined),
        600_000,
      );
      latencies.push(performance.now() - joined);
      log(`N=${nodes}: node-${i} routed after ${seconds(latencies.at(-1)!)} s`);
    }
    await idle(w);
    const runCount = (await w.metric("ksyun_route_watcher_run_duration_seconds_count", event)) - countBefore;
    const runSum = (await w.metric("ksyun_route_watcher_run_duration_seconds_sum", event)) - sumBefore;
    await w.proc.stop();
    const sorted = latencies.sort((a, b) => a - b);
    return (
      `| ${nodes} | ${joins} | ${seconds(percentile(sorted, 0.5))} | ${seconds(percentile(sorted, 0.99))} | ` +
      `${runCount} | ${(runSum / runCount).toFixed(2)} |`
    );
  });
}

async function burstJoin(count: number): Promise<string> {
  return withCluster(0, count, async (s) => {
    await measuring(s);
    const w = await watch(s, 0);
    await firstRun(w, 0);
    const before = await runs(w);
    const started = performance.now();
    await createNodes(s.core, 0, count);
    const created = performance.now();
    await waitFor(`${count} routes`, async () => ((await routeCount(s)) === count ? true : undefined), 1_800_000);
    const elapsed = performance.now() - started;
    await idle(w);
    const took = (await runs(w)) - before;
    await w.proc.stop();
    log(`burst of ${count}: all routed after ${seconds(elapsed)} s in ${took} runs`);
    return `| ${count} | ${seconds(created - started)} | ${seconds(elapsed)} | ${(count / QPS).toFixed(2)} | ${took} |`;
  });
}

/**
 * Samples, every 0.5 s until stopped, the peak of each process of the runs the watcher starts. Each process's VmHWM
 * is its own peak, so the last sample before it exits counts; processes of one role keep the highest.
 */
function samplePeaks(w: WatcherProcess): { stop(): Promise<Map<string, number>> } {
  const peaks = new Map<string, number>();
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      for (const pid of sessionPids(w.proc.pid)) {
        const label = pid === w.proc.pid ? undefined : role(pid);
        const m = memory(pid);
        if (label && m) peaks.set(label, Math.max(peaks.get(label) ?? 0, m.hwm));
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return peaks;
    },
  };
}

const peakRows = (peaks: Map<string, number>, nodes: number, during: string) =>
  [...peaks].map(([label, hwm]) => `| ${label} | ${nodes} | ${during} | | ${mib(hwm)} |`);

async function informerMemory(nodes: number): Promise<void> {
  await withCluster(nodes, 0, async (s) => {
    await measuring(s);
    const w = await watch(s, nodes);
    const sampler = samplePeaks(w);
    await new Promise((r) => setTimeout(r, observeSeconds * 1000));
    const peaks = await sampler.stop();
    const after = memory(w.proc.pid)!;
    const routed = await routeCount(s);
    await w.proc.stop(30_000);
    log(`after ${observeSeconds} s of the first run: ${routed} routes, peaks ${JSON.stringify([...peaks])}`);
    const during = `the first ${observeSeconds} s of the first run (${routed} routes created)`;
    memoryRows.push(
      `| watcher | ${nodes} | after ${during} | ${mib(after.rss)} | ${mib(after.hwm)} |`,
      ...peakRows(peaks, nodes, `in ${during}`),
    );
  });
}

// In the order of the nodes in the informer, for the memory table.
const burstRow = burst > 0 ? await burstJoin(burst) : undefined;
const joinRows: string[] = [];
for (const [n, nodes] of sizes.entries()) joinRows.push(await joinLatency(nodes, joinsAt[n] ?? joinsAt.at(-1)!));
if (informer > 0) await informerMemory(informer);

const conditions = `emulator +${LATENCY_MS} ms per answer, \`ksyun-route:qps\` ${QPS}`;
const sections: string[][] = [];
if (joinRows.length > 0)
  sections.push([
    `### Watcher: node join → route present, one join at a time (${conditions})`,
    "",
    "The cluster's N nodes were routed first (the watcher's first run, at setup speed); each join then waits for",
    "the watcher to be idle. Percentiles are nearest-rank: with under 100 joins, p99 is the slowest join.",
    "",
    "| nodes routed | joins | p50 (s) | p99 (s) | watcher runs | mean run (s) |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ...joinRows,
  ]);
if (burstRow)
  sections.push([
    `### Watcher: a burst of node joins → all routes present (${conditions})`,
    "",
    `Nodes created ${CREATE_CONCURRENCY} at a time on an empty cluster; the bound is burst / QPS, the CreateRoute calls`,
    "alone at the configured rate. Runs: ksyun_route_watcher_runs_total from the first create until idle.",
    "",
    "| nodes | creating them (s) | all routes present (s) | bound burst/QPS (s) | watcher runs |",
    "| ---: | ---: | ---: | ---: | ---: |",
    burstRow,
  ]);
if (memoryRows.length > 0)
  sections.push([
    `### Watcher: memory by nodes in the informer (${conditions})`,
    "",
    "VmRSS and VmHWM (peak) from /proc/<pid>/status of the watcher's own Node process in every cluster above, the",
    "nodes being realistic Node objects (labels, providerID, addresses, conditions, capacity, images).",
    "Also the peak of each process of the watcher's first run (the one that routes every node), sampled every 0.5 s.",
    ...(informer > 0
      ? [
          `With ${informer} nodes that run takes far longer than a benchmark: it is observed for ${observeSeconds} s and`,
          "then stopped.",
        ]
      : []),
    "",
    "| process | nodes | when | VmRSS (MiB) | VmHWM, peak (MiB) |",
    "| --- | ---: | --- | ---: | ---: |",
    ...memoryRows,
  ]);
console.log(sections.map((lines) => lines.join("\n")).join("\n\n"));
