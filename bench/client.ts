// Benchmark of the KSYun client against the emulator, run as its own process as in the demo: DescribeRoutes
// calls/s at several concurrencies (no client rate limit, no added latency), and the calls and time to list a VPC
// of 5,000 routes at 0 and 50 ms added per answer. Prints Markdown tables; asserts nothing. `node bench/client.ts`.
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { KsyunClient, resolveCredentials } from "../providers/ksyun-route/client/index.ts";
import { DEFAULT_PAGE_SIZE } from "../providers/ksyun-route/client/query.ts";
import { EmulatorControl } from "../testenv/emulator-control.ts";
import { spawnSession } from "../testenv/processes.ts";
import { repoRoot } from "../testenv/tools.ts";
import { AK, INSTANCES, REGION, SK, VPC } from "../test/e2e/route-stack.ts";

const BIG_VPC = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
const BIG_INSTANCE = "1b2c3d4e-0000-4000-8000-00000000b16b";
const LISTED = 5000;
const DURATION_MS = 3000;
const CONCURRENCY = [1, 8, 32, 128];

const cidr = (i: number) => `10.${128 + (i >> 8)}.${i & 255}.0/24`;
const seed = {
  credentials: [{ accessKeyId: AK, secretAccessKey: SK }],
  vpcs: [
    { vpcId: VPC, cidrBlock: "10.0.0.0/16", region: REGION },
    { vpcId: BIG_VPC, cidrBlock: "172.16.0.0/16", region: REGION },
  ],
  instances: [
    { instanceId: INSTANCES[0], vpcId: VPC, privateIpAddress: "10.0.2.10" },
    { instanceId: BIG_INSTANCE, vpcId: BIG_VPC, privateIpAddress: "172.16.2.10" },
  ],
  routes: [
    ...Array.from({ length: 3 }, (_, i) => ({
      vpcId: VPC,
      destinationCidrBlock: cidr(i),
      routeType: "Host",
      instanceId: INSTANCES[0],
    })),
    ...Array.from({ length: LISTED }, (_, i) => ({
      vpcId: BIG_VPC,
      destinationCidrBlock: cidr(i),
      routeType: "Host",
      instanceId: BIG_INSTANCE,
    })),
  ],
  routeQuota: LISTED,
};
const dir = await mkdtemp(join(tmpdir(), "ksyun-route-bench-"));
await writeFile(join(dir, "seed.json"), JSON.stringify(seed));
const emulator = spawnSession(process.execPath, ["emulator/main.ts", "--seed", join(dir, "seed.json")], {
  cwd: repoRoot,
});
const [line] = (await once(createInterface({ input: emulator.child.stdout! }), "line")) as [string];
const url = /^listening on (\S+)$/.exec(line)?.[1];
if (!url) throw new Error(`emulator: unexpected first line ${JSON.stringify(line)}`);
const control = new EmulatorControl(url);
const client = new KsyunClient({
  region: REGION,
  endpoint: url,
  credentials: resolveCredentials({ explicit: { accessKeyId: AK, secretAccessKey: SK } }),
  rateLimiter: { acquire: async () => {} }, // unlimited
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  await client.isTrustVpc(VPC); // the one-off DescribeVpcs of each VPC, outside the measurements
  await client.isTrustVpc(BIG_VPC);

  const throughput: string[] = [];
  for (const concurrency of CONCURRENCY) {
    await control.reset(true);
    let done = 0;
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + DURATION_MS;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const t = performance.now();
          await client.describeRoutes({ vpcId: VPC });
          latencies.push(performance.now() - t);
          done++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const served = (await control.stats()).calls.DescribeRoutes ?? 0;
    throughput.push(
      `| ${concurrency} | ${done} | ${served} | ${Math.round(done / seconds)} | ${median(latencies).toFixed(2)} |`,
    );
    console.error(`bench/client: concurrency ${concurrency}: ${Math.round(done / seconds)} calls/s`);
  }

  const listing: string[] = [];
  for (const latencyMs of [0, 50]) {
    await control.faults(latencyMs > 0 ? { "*": { latencyMs } } : {});
    for (const pageSize of [DEFAULT_PAGE_SIZE, 1000]) {
      const times: number[] = [];
      let calls = 0;
      let routes = 0;
      for (let run = 0; run < 3; run++) {
        await control.reset(true);
        const t = performance.now();
        routes = 0;
        for await (const page of client.routePages({ vpcId: BIG_VPC, maxResults: pageSize })) routes += page.length;
        times.push(performance.now() - t);
        calls = (await control.stats()).calls.DescribeRoutes ?? 0;
      }
      listing.push(`| ${latencyMs} | ${pageSize} | ${routes} | ${calls} | ${median(times).toFixed(0)} |`);
      console.error(
        `bench/client: list ${routes} routes, +${latencyMs} ms, page ${pageSize}: ${median(times).toFixed(0)} ms`,
      );
    }
  }

  console.log(
    [
      `### Client: DescribeRoutes of a 3-route VPC, no rate limit, for ${DURATION_MS / 1000} s`,
      "",
      "| concurrency | calls | served (emulator) | calls/s | median latency (ms) |",
      "| ---: | ---: | ---: | ---: | ---: |",
      ...throughput,
      "",
      `### Client: listing a VPC of ${LISTED} routes (median of 3)`,
      "",
      `| added latency (ms) | page size | routes | DescribeRoutes calls | time (ms) |`,
      "| ---: | ---: | ---: | ---: | ---: |",
      ...listing,
    ].join("\n"),
  );
} finally {
  client.close();
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}
