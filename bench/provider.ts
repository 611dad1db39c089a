// Benchmark of the route provider through the real Pulumi CLI: API calls per action (emulator counters) and wall
// time of `up` (create), `up` (no change), `preview --refresh` (the drift check), `up --refresh` and `destroy` at N
// routes, with and without the engine's per-step checkpoints, with 50 ms added to every API answer and the
// provider limited to 50 QPS. A full drift check should list the VPC once, ceil(N / page size) DescribeRoutes
// calls, which the table shows beside the count. Prints a Markdown table; asserts nothing.
// `node bench/provider.ts [N ...]`.
import { DEFAULT_PAGE_SIZE } from "../providers/ksyun-route/client/query.ts";
import { routeStack } from "../test/e2e/route-stack.ts";

const LATENCY_MS = 50;
const QPS = 50;
const sizes = process.argv.slice(2).map(Number);
const counts = sizes.length > 0 ? sizes : [100, 500, 1000];

interface Row {
  routes: number;
  operation: string;
  /** Reads every route: one listing of the VPC would do. */
  refresh: boolean;
  seconds: number;
  calls: Record<string, number>;
  errors: number;
}

const UP = ["up", "--yes", "--skip-preview"];
const UP_REFRESH = [...UP, "--refresh"];
/** As `npm run pulumi` and the watcher run the CLI (scripts/pulumi.ts): the state saved once, at the end. */
const UNCHECKED = { PULUMI_SKIP_CHECKPOINTS: "true" };
/** As a plain `pulumi` does: the whole state rewritten after every step. */
const CHECKPOINTED = { PULUMI_SKIP_CHECKPOINTS: "false" };
const OPERATIONS: [string, string[], Record<string, string>][] = [
  ["`up` (create), `npm run pulumi`", UP, UNCHECKED],
  ["`up` (no change)", UP, UNCHECKED],
  ["`preview --refresh`", ["preview", "--refresh"], UNCHECKED],
  ["`up --refresh`, `npm run pulumi`", UP_REFRESH, UNCHECKED],
  ["`up --refresh`, plain `pulumi` (checkpoints)", UP_REFRESH, CHECKPOINTED],
  ["`destroy`, `npm run pulumi`", ["destroy", "--yes", "--skip-preview"], UNCHECKED],
  ["`up` (create), plain `pulumi` (checkpoints)", UP, CHECKPOINTED],
];

async function measure(routes: number): Promise<Row[]> {
  const s = await routeStack({ latencyMs: LATENCY_MS, routeQuota: Math.max(routes, 200) });
  try {
    await s.config("fixture:count", String(routes));
    await s.config("ksyun-route:qps", String(QPS));
    const rows: Row[] = [];
    for (const [operation, args, env] of OPERATIONS) {
      await s.control.reset(true);
      const started = performance.now();
      await s.ok(args, env);
      const seconds = (performance.now() - started) / 1000;
      const stats = await s.control.stats();
      const errors = Object.values(stats.errors).reduce(
        (sum, byCode) => sum + Object.values(byCode).reduce((a, b) => a + b, 0),
        0,
      );
      rows.push({ routes, operation, refresh: args.includes("--refresh"), seconds, calls: stats.calls, errors });
      console.error(`bench/provider: N=${routes} ${operation}: ${seconds.toFixed(1)} s ${JSON.stringify(stats.calls)}`);
    }
    const live = (await s.control.routes()).length;
    if (live !== routes) throw new Error(`expected ${routes} routes in the emulator after the runs, found ${live}`);
    return rows;
  } finally {
    await s.close();
  }
}

const rows: Row[] = [];
for (const routes of counts) rows.push(...(await measure(routes)));

const actions = [...new Set(rows.flatMap((row) => Object.keys(row.calls)))].sort();
const lines = [
  `### Provider through \`pulumi\` (emulator +${LATENCY_MS} ms per answer, \`ksyun-route:qps\` ${QPS}, default --parallel)`,
  "",
  `⌈N/${DEFAULT_PAGE_SIZE}⌉: the DescribeRoutes calls of one listing of the VPC (page size ${DEFAULT_PAGE_SIZE}), the least a ` +
    "check of every route can make.",
  "",
  `| routes | operation | wall time (s) | ${actions.join(" | ")} | ⌈N/${DEFAULT_PAGE_SIZE}⌉ | errors |`,
  `| ---: | --- | ---: | ${actions.map(() => "---:").join(" | ")} | ---: | ---: |`,
  ...rows.map(
    (row) =>
      `| ${row.routes} | ${row.operation} | ${row.seconds.toFixed(1)} | ${actions
        .map((action) => row.calls[action] ?? 0)
        .join(" | ")} | ${row.refresh ? Math.ceil(row.routes / DEFAULT_PAGE_SIZE) : ""} | ${row.errors} |`,
  ),
];
console.log(lines.join("\n"));
