// `node bench/watcher-scale.ts [--nodes 100,1000] [--joins 20,10] [--deletes 10,5] [--burst 500] [--large 5000]`:
// the watcher at scale, as a local process with the least-privilege service account, against the emulator with
// 50 ms added to every answer and `ksyun-route:qps` 50. Printed as Markdown tables, not asserted:
// - on clusters of N routed nodes: join → route present and delete → route gone, one at a time, each followed by
//   the convergence run that records it, with the KSYun calls of both; a kubelet heartbeat of every node; the
//   watcher's periodic sync after a route is deleted out of band; and a full `up --refresh` of every route;
// - a burst of joins on an empty cluster → all routes present, and what the run after it calls;
// - memory: the watcher's own peak (VmHWM, over its whole life) and each run's processes, sampled throughout.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { parseArgs } from "node:util";
import type * as k8s from "@kubernetes/client-node";
import { watcherClusterRules, watcherNamespaceRules } from "../program/manifests/watcher.ts";
import { waitFor } from "../testenv/ports.ts";
import { repoRoot } from "../testenv/tools.ts";
import { programStack, type ProgramStack } from "../test/e2e/program-stack.ts";
import { addInstances } from "../test/e2e/watcher-nodes.ts";
import { entrypointNodeFlags, startWatcher, type WatcherProcess } from "../test/e2e/watcher-process.ts";
import { StackRunner } from "../watcher/stack-runner.ts";
import { CREATE_CONCURRENCY, createNodes, heartbeats, POD_CIDR, podCidr } from "./cluster-nodes.ts";

const LATENCY_MS = 50;
const QPS = 50;
/** How often routes are polled while a join or delete is timed. */
const POLL_MS = 5;
/** What a heartbeat renews. */
const READY = [{ type: "Ready", status: "True" }];
/**
 * The sync period of the watchers measured with periodic syncs. Each join and delete starts right after a sync ends,
 * so that its calls and its time are its own.
 */
const RESYNC = "10s";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "100,1000" },
    joins: { type: "string", default: "20,10" },
    deletes: { type: "string", default: "10,5" },
    burst: { type: "string", default: "500" },
    large: { type: "string", default: "5000" },
  },
});
const list = (text: string) => (text === "" ? [] : text.split(",").map(Number));
const sizes = list(values.nodes);
const [joinsAt, deletesAt] = [list(values.joins), list(values.deletes)];
const burst = Number(values.burst);
const large = Number(values.large);

const log = (text: string) => process.stderr.write(`bench/watcher-scale: ${text}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mib = (n: number) => n.toFixed(0);
/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

/** VmRSS and VmHWM (the peak over the process's life) in MiB; undefined once it is gone. */
function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // The command in parentheses may hold spaces: the fields after it are what counts.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** What a process of a run is, from its command line. */
function role(argv: readonly string[]): string | undefined {
  const command = argv.join(" ");
  if (command.includes("dynamic-provider")) return "provider plugin";
  if (command.includes("pulumi/cmd/run")) return "program";
  const name = basename(argv[0] ?? "");
  if (name === "pulumi") return "pulumi CLI";
  if (name.startsWith("pulumi-language-nodejs")) return "language host";
  return undefined; // the plugin's shell shim, which only starts its node
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

interface RunPeaks {
  /** The CLI's subcommand: up, config, stack. */
  readonly command: string;
  readonly peaks: Map<string, number>;
}

/**
 * Samples, every 200 ms until stopped, the peak (VmHWM) of every process of every run the watcher (session `sid`)
 * starts, grouped by the pulumi CLI process each belongs to. A process's VmHWM is its own peak, so the last sample
 * before it exits counts.
 */
function samplePeaks(sid: number): { stop(): Promise<RunPeaks[]> } {
  const runs = new Map<number, RunPeaks>();
  let sampling = true;
  const cliOf = (pid: number): number | undefined => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parentOf(p)) {
      if (role(commandLine(p)) === "pulumi CLI") return p;
    }
    return undefined;
  };
  const loop = (async () => {
    while (sampling) {
      for (const pid of sessionPids(sid)) {
        const argv = commandLine(pid);
        const label = pid === sid ? undefined : role(argv);
        const cli = label && cliOf(pid);
        const m = memory(pid);
        if (!label || !cli || !m) continue;
        const run = runs.get(cli) ?? { command: commandLine(cli)[1] ?? "?", peaks: new Map<string, number>() };
        runs.set(cli, run);
        run.peaks.set(label, Math.max(run.peaks.get(label) ?? 0, m.hwm));
      }
      await delay(200);
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return [...runs.values()];
    },
  };
}

const ROLES = ["pulumi CLI", "language host", "program", "provider plugin"];

/** Per role the highest peak of any `up`, and the highest sum of one `up`'s processes. */
function runPeakCells(runs: readonly RunPeaks[]): { roles: string; sum: number } {
  const ups = runs.filter((r) => r.command === "up");
  const highest = (label: string) => Math.max(0, ...ups.map((r) => r.peaks.get(label) ?? 0));
  const sum = Math.max(0, ...ups.map((r) => ROLES.reduce((total, label) => total + (r.peaks.get(label) ?? 0), 0)));
  return { roles: ROLES.map((label) => mib(highest(label))).join(" / "), sum };
}

const rules: k8s.V1PolicyRule[] = [...watcherClusterRules, ...watcherNamespaceRules].map((r) => ({
  apiGroups: [...r.apiGroups],
  resources: [...r.resources],
  verbs: [...r.verbs],
  ...(r.resourceNames && { resourceNames: [...r.resourceNames] }),
}));

/** A stack (its manifests up, no routes) measured as configured, with `nodes` nodes and instances for `spare`. */
async function withCluster<T>(nodes: number, spare: number, body: (s: ProgramStack) => Promise<T>): Promise<T> {
  const s = await programStack({ routeQuota: nodes + spare + 10 });
  try {
    await s.config("podCidr", POD_CIDR);
    await s.config("qps", String(QPS));
    await Promise.all([s.ok(["up", "--yes", "--skip-preview"]), addInstances(s.control, 0, nodes + spare)]);
    await createNodes(s.core, 0, nodes);
    await s.control.faults({ "*": { latencyMs: LATENCY_MS } });
    log(`${nodes} nodes in the cluster`);
    return await body(s);
  } finally {
    await s.close();
  }
}

const metricOf = (w: WatcherProcess, name: string, labels?: Record<string, string>) =>
  w.metric(`ksyun_route_watcher_${name}`, labels);

/** Everything recorded: a run finished after `since` runs, none in flight, the ledger empty. */
async function recorded(w: WatcherProcess, since: number): Promise<void> {
  await waitFor(
    "the convergence run",
    async () => {
      const [runs, inProgress, ledger] = await Promise.all([
        metricOf(w, "runs_total", { result: "success" }),
        metricOf(w, "run_in_progress"),
        metricOf(w, "ledger_entries"),
      ]);
      return runs > since && inProgress === 0 && ledger === 0 ? true : undefined;
    },
    1_800_000,
  );
}
const successes = (w: WatcherProcess) => metricOf(w, "runs_total", { result: "success" });
const syncs = (w: WatcherProcess) => metricOf(w, "runs_total", { kind: "sync", result: "success" });

/** Returns when a periodic sync has ended after `count` syncs (by default: one that ends from now on). */
async function afterSync(w: WatcherProcess, count?: number): Promise<void> {
  const since = count ?? (await syncs(w));
  await waitFor(
    "a periodic sync",
    async () => ((await syncs(w)) > since && (await metricOf(w, "run_in_progress")) === 0 ? true : undefined),
    1_800_000,
  );
}

/** Polls one destination until `present` holds; the time from `since`. */
async function until(s: ProgramStack, destination: string, present: boolean, since: number): Promise<number> {
  for (;;) {
    if ((await s.control.routes(destination)).length > 0 === present) return performance.now() - since;
    await delay(POLL_MS);
  }
}

/** A watcher as deployed (compile cache warm: the Deployment's init container), syncing every `resync`. */
async function watch(s: ProgramStack, identity: string, resync: string): Promise<WatcherProcess> {
  const kubeconfig = await s.kube.serviceAccountKubeconfig(`bench-${identity}`, rules);
  execFileSync(process.execPath, [...entrypointNodeFlags(), join(repoRoot, "watcher/main.ts"), "--help"], {
    stdio: "ignore",
  });
  const w = await startWatcher(s, { identity, kubeconfig, resync });
  await waitFor("/readyz", async () => ((await w.ready()) ? true : undefined), 600_000);
  return w;
}

/** Calls by action since the last reset. */
const calls = async (s: ProgramStack) => (await s.control.stats()).calls;
const total = (byAction: Record<string, number>) => Object.values(byAction).reduce((a, b) => a + b, 0);

interface ScaleRow {
  nodes: number;
  joins: number[];
  deletes: number[];
  eventCreates: number[];
  callsPerJoin: number[];
  watcherPeak: number;
  runs: RunPeaks[];
  sync: { seconds: number; calls: number };
  full: number;
}

/**
 * The watcher's own periodic sync after the route to `destination` is deleted out of band, as the watcher times
 * it (run_duration_seconds: the listing, the repair and the `up --refresh`), with every KSYun call meanwhile. The
 * drift is made right after a sync ends, so the next one is the first to see it.
 */
async function watcherSync(s: ProgramStack, w: WatcherProcess, destination: string) {
  await afterSync(w);
  const [count, sum] = [await syncs(w), await metricOf(w, "run_duration_seconds_sum", { kind: "sync" })];
  await s.control.reset(true);
  const [route] = await s.control.routes(destination);
  await s.control.deleteRoute(route!.routeId);
  await afterSync(w, count);
  if ((await s.control.routes(destination)).length !== 1) throw new Error(`the sync did not repair ${destination}`);
  const seconds = (await metricOf(w, "run_duration_seconds_sum", { kind: "sync" })) - sum;
  return { seconds, calls: total(await calls(s)) };
}

/** `up --refresh` of every route as a watcher's run of all of them would (routes only, no checkpoints), timed. */
async function fullRefresh(s: ProgramStack): Promise<number> {
  const runner = new StackRunner({
    stack: s.stack,
    workDir: repoRoot,
    env: {
      ...(s.pulumi.env as Record<string, string>),
      KUBECONFIG: s.kube.kubeconfigPath,
      KSYUN_ROUTE_SCOPE: "routes",
      PULUMI_SKIP_CHECKPOINTS: "true",
    },
  });
  const started = performance.now();
  await runner.up({ refresh: true, signal: new AbortController().signal, onEvent: () => {} });
  return (performance.now() - started) / 1000;
}

async function scale(nodes: number, joins: number, deletes: number): Promise<ScaleRow> {
  return withCluster(nodes, joins, async (s) => {
    const w = await watch(s, `n${nodes}`, RESYNC);
    const sampler = samplePeaks(w.proc.pid);
    await recorded(w, 0);
    log(`N=${nodes}: routed and recorded`);
    const row: ScaleRow = {
      nodes,
      joins: [],
      deletes: [],
      eventCreates: [],
      callsPerJoin: [],
      watcherPeak: 0,
      runs: [],
      sync: { seconds: 0, calls: 0 },
      full: 0,
    };
    for (let i = nodes; i < nodes + joins; i++) {
      await afterSync(w);
      await s.control.reset(true);
      const [runs, created] = [await successes(w), await metricOf(w, "ksyun_calls_total", { action: "CreateRoute" })];
      const joined = performance.now();
      await createNodes(s.core, i, 1);
      row.joins.push(await until(s, podCidr(i), true, joined));
      await recorded(w, runs);
      row.eventCreates.push((await metricOf(w, "ksyun_calls_total", { action: "CreateRoute" })) - created);
      row.callsPerJoin.push(total(await calls(s)));
    }
    log(
      `N=${nodes}: joins p50 ${seconds(
        percentile(
          [...row.joins].sort((a, b) => a - b),
          0.5,
        ),
      )} s`,
    );
    await heartbeats(s.core, nodes, READY);
    for (let i = 0; i < deletes; i++) {
      await afterSync(w);
      const runs = await successes(w);
      const deleted = performance.now();
      await s.core.deleteNode({ name: `node-${i}` });
      row.deletes.push(await until(s, podCidr(i), false, deleted));
      await recorded(w, runs);
    }
    row.sync = await watcherSync(s, w, podCidr(deletes));
    row.watcherPeak = memory(w.proc.pid)!.hwm;
    await w.proc.stop(30_000);
    row.runs = await sampler.stop();
    row.full = await fullRefresh(s);
    log(`N=${nodes}: watcher peak ${mib(row.watcherPeak)} MiB, its sync ${row.sync.seconds.toFixed(1)} s`);
    return row;
  });
}

interface BurstRow {
  count: number;
  creating: number;
  present: number;
  runs: number;
  runCreates: number;
}

async function burstJoin(count: number): Promise<BurstRow> {
  return withCluster(0, count, async (s) => {
    const w = await watch(s, "burst", "1h");
    await recorded(w, 0);
    const before = await successes(w);
    const created = await metricOf(w, "ksyun_calls_total", { action: "CreateRoute" });
    await s.control.reset(true);
    const started = performance.now();
    await createNodes(s.core, 0, count);
    const creating = performance.now() - started;
    await waitFor(
      `${count} routes`,
      async () => ((await s.control.routes()).length === count ? true : undefined),
      1_800_000,
    );
    const present = performance.now() - started;
    await recorded(w, before);
    const eventCreates = (await metricOf(w, "ksyun_calls_total", { action: "CreateRoute" })) - created;
    const runCreates = ((await calls(s)).CreateRoute ?? 0) - eventCreates;
    const runs = (await successes(w)) - before;
    await w.proc.stop(30_000);
    log(`burst of ${count}: all routed after ${seconds(present)} s; the runs after it made ${runCreates} CreateRoute`);
    return { count, creating, present, runs, runCreates };
  });
}

interface LargeRow {
  nodes: number;
  routed: number;
  recordedAt: number;
  watcherPeak: number;
  runs: RunPeaks[];
  sync: { seconds: number; calls: number };
  full: number;
}

async function largeCluster(nodes: number): Promise<LargeRow> {
  return withCluster(nodes, 0, async (s) => {
    const started = performance.now();
    const w = await watch(s, "large", RESYNC);
    const sampler = samplePeaks(w.proc.pid);
    await waitFor(
      `${nodes} routes`,
      async () => ((await s.control.routes()).length === nodes ? true : undefined),
      3_600_000,
    );
    const routed = performance.now() - started;
    await recorded(w, 0);
    const recordedAt = performance.now() - started;
    await heartbeats(s.core, nodes, READY);
    const sync = await watcherSync(s, w, podCidr(0));
    const watcherPeak = memory(w.proc.pid)!.hwm;
    await w.proc.stop(60_000);
    const runs = await sampler.stop();
    const full = await fullRefresh(s);
    log(`N=${nodes}: routed after ${seconds(routed)} s, recorded after ${seconds(recordedAt)} s`);
    return { nodes, routed, recordedAt, watcherPeak, runs, sync, full };
  });
}

const scaleRows: ScaleRow[] = [];
for (const [n, nodes] of sizes.entries()) {
  scaleRows.push(await scale(nodes, joinsAt[n] ?? joinsAt.at(-1)!, deletesAt[n] ?? deletesAt.at(-1)!));
}
const burstRow = burst > 0 ? await burstJoin(burst) : undefined;
const largeRow = large > 0 ? await largeCluster(large) : undefined;

const conditions = `emulator +${LATENCY_MS} ms per answer, \`ksyun-route:qps\` ${QPS}`;
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const range = (values: number[]) => {
  const s = sorted(values);
  return s.length === 0 ? "" : s[0] === s.at(-1) ? String(s[0]) : `${s[0]}–${s.at(-1)}`;
};
const sections: string[][] = [];
if (scaleRows.length > 0) {
  sections.push([
    `### Watcher: one join, one delete at a time (${conditions})`,
    "",
    `The cluster's N nodes were routed and recorded first. Each join (and delete) starts as a periodic sync (every`,
    `${RESYNC}) ends, and waits for the convergence run that records it before the next; routes are polled every`,
    `${POLL_MS} ms. Calls per join: every KSYun call of`,
    "the join, event path and convergence run together (emulator counters); CreateRoute on the event path: the",
    "watcher's own ksyun_route_watcher_ksyun_calls_total. Percentiles are nearest-rank.",
    "",
    "| nodes routed | joins | join p50 (s) | join max (s) | deletes | delete p50 (s) | CreateRoute on the event path | KSYun calls per join, all |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...scaleRows.map(
      (r) =>
        `| ${r.nodes} | ${r.joins.length} | ${seconds(percentile(sorted(r.joins), 0.5))} | ${seconds(Math.max(...r.joins))} | ` +
        `${r.deletes.length} | ${seconds(percentile(sorted(r.deletes), 0.5))} | ${range(r.eventCreates)} | ${range(r.callsPerJoin)} |`,
    ),
  ]);
}
if (burstRow) {
  sections.push([
    `### Watcher: a burst of joins on an empty cluster (${conditions})`,
    "",
    `Nodes created ${CREATE_CONCURRENCY} at a time; the bound is burst / QPS, the CreateRoute calls alone at the`,
    "configured rate. CreateRoute by the runs: all CreateRoute calls (emulator) less the event path's.",
    "",
    "| nodes | creating them (s) | all routes present (s) | bound burst/QPS (s) | convergence runs | CreateRoute by the runs |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${burstRow.count} | ${seconds(burstRow.creating)} | ${seconds(burstRow.present)} | ${(burstRow.count / QPS).toFixed(2)} | ${burstRow.runs} | ${burstRow.runCreates} |`,
  ]);
}
const memoryRows = [
  ...scaleRows.map((r) => ({
    nodes: r.nodes,
    during: `the joins, deletes, a heartbeat of every node and periodic syncs`,
    peak: r.watcherPeak,
    runs: r.runs,
    sync: r.sync,
    full: r.full,
  })),
  ...(largeRow
    ? [
        {
          nodes: largeRow.nodes,
          during: `routing and recording ${largeRow.nodes} nodes, a heartbeat of every node, periodic syncs`,
          peak: largeRow.watcherPeak,
          runs: largeRow.runs,
          sync: largeRow.sync,
          full: largeRow.full,
        },
      ]
    : []),
];
if (memoryRows.length > 0) {
  sections.push([
    `### Watcher: memory and the periodic sync (${conditions})`,
    "",
    "The watcher's own peak is its VmHWM (/proc/<pid>/status) at the end: the highest RSS over its whole life.",
    "Each run's processes are sampled every 200 ms throughout; per process, the highest peak of any `pulumi up`",
    "(CLI / language host / program / provider plugin), and the highest sum of one `up`'s four peaks. Periodic sync:",
    `the watcher's own (every ${RESYNC}) after one route was deleted out of band, as its run_duration_seconds`,
    "times it: the VPC listed, the route made again, the `up --refresh` of the routes it touched; with every KSYun",
    "call meanwhile. Full `up --refresh`: every route declared and refreshed (routes only, without checkpoints), after",
    "the watcher stopped, as a run of every route would be.",
    "",
    "| nodes | watcher peak (MiB), over | one run's peaks (MiB) | one run, sum (MiB) | periodic sync (s) | its KSYun calls | full `up --refresh` (s) |",
    "| ---: | --- | --- | ---: | ---: | ---: | ---: |",
    ...memoryRows.map((r) => {
      const { roles, sum } = runPeakCells(r.runs);
      const sync = `${r.sync.seconds.toFixed(1)} | ${r.sync.calls}`;
      return `| ${r.nodes} | ${mib(r.peak)}, ${r.during} | ${roles} | ${mib(sum)} | ${sync} | ${r.full.toFixed(1)} |`;
    }),
  ]);
}
if (largeRow) {
  sections.push([
    `### Watcher: ${largeRow.nodes} nodes from nothing (${conditions})`,
    "",
    "| nodes | all routes present (s) | bound nodes/QPS (s) | recorded by the convergence run (s) |",
    "| ---: | ---: | ---: | ---: |",
    `| ${largeRow.nodes} | ${seconds(largeRow.routed)} | ${(largeRow.nodes / QPS).toFixed(0)} | ${seconds(largeRow.recordedAt)} |`,
  ]);
}
console.log(sections.map((lines) => lines.join("\n")).join("\n\n"));
