// A stack of the routes fixture (test/e2e/routes) wired to an in-process emulator, for provider e2e tests.
import { randomUUID } from "node:crypto";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { EmulatorControl } from "../../testenv/emulator-control.ts";
import { pulumiEnv, succeeded, type PulumiEnv, type PulumiResult } from "../../testenv/pulumi.ts";

export const VPC = "6a2f0c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
export const REGION = "cn-beijing-6";
export const AK = "AKLTe2eRouteStack";
export const SK = "e2e-plaintext-secret-7f3a9c";
export const INSTANCES = Array.from(
  { length: 4 },
  (_, i) => `1b2c3d4e-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
);
const cwd = join(import.meta.dirname, "routes");

export interface RouteStack {
  emulator: Emulator;
  control: EmulatorControl;
  pulumi: PulumiEnv;
  stack: string;
  /** `pulumi <args>` on the stack; `env` adds to the environment; `onStarted` gets what kills the run. */
  run(
    args: string[],
    options?: { env?: Record<string, string>; onStarted?: (kill: () => Promise<void>) => void },
  ): Promise<PulumiResult>;
  /** `pulumi <args>` that must succeed; returns its output. */
  ok(args: string[], env?: Record<string, string>): Promise<string>;
  config(key: string, value: string, secret?: boolean): Promise<void>;
  /** The stack's state file (JSON text) as stored by the file backend. */
  stateText(): Promise<string>;
  close(): Promise<void>;
}

export async function routeStack(
  options: { routeQuota?: number; credentials?: { secretAccessKey: string }; latencyMs?: number } = {},
): Promise<RouteStack> {
  const emulator = await startEmulator({
    latencyMs: options.latencyMs, // added to every API answer (benchmarks)
    seed: {
      credentials: [{ accessKeyId: AK, secretAccessKey: options.credentials?.secretAccessKey ?? SK }],
      vpcs: [{ vpcId: VPC, cidrBlock: "10.0.0.0/16", region: REGION }],
      instances: INSTANCES.map((instanceId, i) => ({ instanceId, vpcId: VPC, privateIpAddress: `10.0.2.${i + 10}` })),
      routeQuota: options.routeQuota ?? 2000,
    },
  });
  const pulumi = await pulumiEnv();
  const stack = `e2e-${randomUUID().slice(0, 8)}`;
  const run: RouteStack["run"] = (args, options = {}) => pulumi.run([...args, "--stack", stack], { cwd, ...options });
  const ok = async (args: string[], env?: Record<string, string>) => succeeded(args, await run(args, { env }));
  const config = async (key: string, value: string, secret = false) => {
    await ok(["config", "set", key, value, ...(secret ? ["--secret"] : ["--plaintext"])]);
  };
  const init = await pulumi.run(["stack", "init", stack], { cwd });
  if (init.code !== 0) throw new Error(init.stderr);
  for (const [key, value] of Object.entries({
    "ksyun-route:region": REGION,
    "ksyun-route:endpoint": emulator.url,
    "ksyun-route:qps": "200",
    "fixture:vpcId": VPC,
    "fixture:instances": INSTANCES.join(","),
    "fixture:count": "3",
  })) {
    await config(key, value);
  }
  // Both halves as secrets: the engine stores the whole stack config in the default provider's state.
  await config("ksyun-route:accessKeyId", AK, true);
  await config("ksyun-route:secretAccessKey", SK, true);

  return {
    emulator,
    control: new EmulatorControl(emulator.url),
    pulumi,
    stack,
    run,
    ok,
    config,
    async stateText() {
      const dir = join(pulumi.backendDir, ".pulumi", "stacks", "routes-e2e");
      const file = (await readdir(dir)).find((f) => f.startsWith(stack) && f.endsWith(".json"));
      if (!file) throw new Error(`no state file for ${stack} in ${dir}`);
      return readFile(join(dir, file), "utf8");
    },
    async close() {
      await pulumi.run(["stack", "rm", "--yes", "--force", "--stack", stack], { cwd });
      await Promise.all([emulator.close(), pulumi.cleanup()]);
      await rm(join(cwd, `Pulumi.${stack}.yaml`), { force: true }); // stack config lives beside the fixture
    },
  };
}

/** Where the fixture program (routes/index.ts) puts route-n. */
export const fixtureDestination = (n: number) => `10.${128 + (n >> 8)}.${n & 255}.0/24`;

/** The next hop the fixture program gives the route to `destination`. */
export function fixtureNextHop(destination: string): string | undefined {
  const [, second, third] = destination.split(".").map(Number);
  return INSTANCES[(((second! - 128) << 8) + third!) % INSTANCES.length];
}

/** Routes per destination in the emulator; every value must be 1 for "no duplicates". */
export function countByDestination(routes: { destinationCidrBlock: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of routes) counts.set(r.destinationCidrBlock, (counts.get(r.destinationCidrBlock) ?? 0) + 1);
  return counts;
}
