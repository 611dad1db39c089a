// `npm run demo [-- --keep]`: the embedded default. Starts the KSYun emulator and a local API server,
// registers example nodes, runs `pulumi up` on the dev stack, prints the route table and exits 0.
// With --keep, everything stays up for exploring with `npm run pulumi -- preview` and friends.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { startEmulator } from "../emulator/index.ts";
import { EmulatorControl } from "../testenv/emulator-control.ts";
import { startKube } from "../testenv/kube.ts";
import { offlinePulumiEnv } from "../testenv/pulumi.ts";
import { spawnSession } from "../testenv/processes.ts";
import { repoRoot } from "../testenv/tools.ts";
import { DEMO_NODES, nodeManifest } from "./nodes.ts";

const { values } = parseArgs({ options: { keep: { type: "boolean", default: false } } });
// Matches ksyun-route:endpoint in Pulumi.dev.yaml; the dev stack's secrets use this passphrase.
const EMULATOR_PORT = 17480;
const DEV_PASSPHRASE = "ksyun-route-dev";

const say = (text: string) => console.log(`[demo] ${text}`);

async function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const proc = spawnSession(command, args, { cwd: repoRoot, env, stdio: ["ignore", "inherit", "inherit"] });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
}

async function main(): Promise<void> {
  const demoDir = join(repoRoot, ".demo");
  const backendDir = join(demoDir, "state");
  await rm(demoDir, { recursive: true, force: true }); // each demo starts from an empty cloud and cluster
  await mkdir(backendDir, { recursive: true });

  say("starting the KSYun emulator and a local kube-apiserver + etcd");
  const emulator = await startEmulator({ port: EMULATOR_PORT, seed: join(repoRoot, "emulator/seeds/demo.json") }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") throw error;
      throw new Error(
        `port ${EMULATOR_PORT} (ksyun-route:endpoint of the dev stack) is in use: is another demo running?`,
      );
    },
  );
  const kube = await startKube().catch(async (error: unknown) => {
    await emulator.close();
    throw error;
  });
  const stop = async () => Promise.all([emulator.close(), kube.stop()]);
  try {
    const core = kube.kubeConfig.makeApiClient(k8s.CoreV1Api);
    for (const node of DEMO_NODES) await core.createNode({ body: nodeManifest(node) });
    say(`registered ${DEMO_NODES.length} nodes: ${DEMO_NODES.map((n) => `${n.name} (${n.how})`).join(", ")}`);

    const env = {
      ...process.env,
      ...offlinePulumiEnv(demoDir, backendDir, DEV_PASSPHRASE),
      KUBECONFIG: kube.kubeconfigPath,
    };
    await run("pulumi", ["stack", "select", "dev", "--create", "--non-interactive"], env);
    await run("pulumi", ["up", "--yes", "--skip-preview", "--non-interactive"], env);

    const routes = await new EmulatorControl(emulator.url).routes();
    say("VPC route table in the emulator:");
    console.table(
      routes.map((r) => ({
        node: DEMO_NODES.find((n) => n.podCidr === r.destinationCidrBlock)?.name ?? "(not ours)",
        destination: r.destinationCidrBlock,
        nextHop: r.instanceId,
        routeId: r.routeId,
      })),
    );
    if (values.keep) {
      say(
        `kept running. In another shell:\n  export KUBECONFIG=${kube.kubeconfigPath}\n  export PULUMI_BACKEND_URL=file://${backendDir} PULUMI_CONFIG_PASSPHRASE=${DEV_PASSPHRASE}\n  npm run pulumi -- preview --refresh --stack dev\nCtrl-C stops everything.`,
      );
      await new Promise((resolve) => process.once("SIGINT", resolve));
    }
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`[demo] failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
