// The real program (Pulumi.yaml at the repository root) on a throwaway stack, wired to an in-process emulator
// and a local API server, for the program's end-to-end tests.
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { EmulatorControl } from "../../testenv/emulator-control.ts";
import { startKube, type KubeEnv } from "../../testenv/kube.ts";
import { pulumiEnv, succeeded, type PulumiEnv, type PulumiResult } from "../../testenv/pulumi.ts";
import { repoRoot } from "../../testenv/tools.ts";

export const VPC = "2429a51f-acb2-4124-a5f7-81ec34951c9e";
export const INSTANCES = Array.from(
  { length: 6 },
  (_, i) => `3c4d5e6f-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
);
export const AK = "AKLTe2eProgram";
export const SK = "e2e-program-secret-4b1d";

export interface ProgramStack {
  kube: KubeEnv;
  /** The offline CLI environment (backend, passphrase, PATH) the stack lives in. */
  pulumi: PulumiEnv;
  emulator: Emulator;
  control: EmulatorControl;
  core: k8s.CoreV1Api;
  stack: string;
  /** `pulumi <args>` on the stack; `env` adds to (or overrides) the environment, e.g. another KUBECONFIG. */
  run(args: string[], env?: Record<string, string>): Promise<PulumiResult>;
  ok(args: string[]): Promise<string>;
  config(key: string, value: string, secret?: boolean): Promise<void>;
  /** Route operations of a `preview --json`, e.g. { create: 1 }. */
  previewRouteOps(extra?: string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export function node(name: string, podCidr: string, instance: number, extra: Partial<k8s.V1Node> = {}): k8s.V1Node {
  return {
    metadata: { name, annotations: { "kce.sdns.ksyun.com/instanceId": INSTANCES[instance]! }, ...extra.metadata },
    spec: { podCIDR: podCidr, podCIDRs: [podCidr], ...extra.spec },
    status: {
      addresses: [{ type: "InternalIP", address: `10.0.3.${instance + 10}` }],
      conditions: [{ type: "Ready", status: "True" }],
      ...extra.status,
    },
  };
}

/** Three routable nodes, node-a…node-c on 172.20.1-3.0/24 and instances 0…2. */
export const THREE_NODES = [
  ["node-a", "172.20.1.0/24", 0],
  ["node-b", "172.20.2.0/24", 1],
  ["node-c", "172.20.3.0/24", 2],
] as const;

export async function createNodes(
  stack: Pick<ProgramStack, "core">,
  nodes: readonly (readonly [name: string, podCidr: string, instance: number])[],
): Promise<void> {
  for (const [name, cidr, instance] of nodes) await stack.core.createNode({ body: node(name, cidr, instance) });
}

/** An instance of another VPC of the same account and region (for "instance in another VPC"). */
const OTHER_VPC = "5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c";
export const OTHER_VPC_INSTANCE = "3c4d5e6f-0000-4000-8000-0000000000ff";

export async function programStack(options: { routeQuota?: number } = {}): Promise<ProgramStack> {
  const [kube, emulator, pulumi]: [KubeEnv, Emulator, PulumiEnv] = await Promise.all([
    startKube(),
    startEmulator({
      seed: {
        credentials: [{ accessKeyId: AK, secretAccessKey: SK }],
        vpcs: [
          { vpcId: VPC, cidrBlock: "10.0.0.0/16", region: "cn-beijing-6" },
          { vpcId: OTHER_VPC, cidrBlock: "10.1.0.0/16", region: "cn-beijing-6" },
        ],
        instances: [
          ...INSTANCES.map((instanceId, i) => ({ instanceId, vpcId: VPC, privateIpAddress: `10.0.3.${i + 10}` })),
          { instanceId: OTHER_VPC_INSTANCE, vpcId: OTHER_VPC, privateIpAddress: "10.1.3.10" },
        ],
        ...(options.routeQuota !== undefined && { routeQuota: options.routeQuota }),
      },
    }),
    pulumiEnv(),
  ]);
  const stack = `e2e-${randomUUID().slice(0, 8)}`;
  const run = (args: string[], env: Record<string, string> = {}) =>
    pulumi.run([...args, "--stack", stack], { cwd: repoRoot, env: { KUBECONFIG: kube.kubeconfigPath, ...env } });
  const ok = async (args: string[]) => succeeded(args, await run(args));
  const config = async (key: string, value: string, secret = false) => {
    await ok(["config", "set", `ksyun-route:${key}`, value, secret ? "--secret" : "--plaintext"]);
  };
  const init = await pulumi.run(["stack", "init", stack], { cwd: repoRoot });
  if (init.code !== 0) throw new Error(init.stderr);
  for (const [key, value] of Object.entries({
    region: "cn-beijing-6",
    endpoint: emulator.url,
    vpcId: VPC,
    clusterUuid: "e2e-cluster",
    podCidr: "172.20.0.0/16",
    vpcCidr: "10.0.0.0/16",
    skipAwait: "true",
    enableSecret: "true",
    qps: "100",
  })) {
    await config(key, value);
  }
  await config("accessKeyId", AK, true);
  await config("secretAccessKey", SK, true);

  return {
    kube,
    pulumi,
    emulator,
    control: new EmulatorControl(emulator.url),
    core: kube.kubeConfig.makeApiClient(k8s.CoreV1Api),
    stack,
    run,
    ok,
    config,
    async previewRouteOps(extra = []) {
      const result = await run(["preview", "--json", ...extra]);
      if (result.code !== 0) throw new Error(`preview failed:\n${result.stdout}\n${result.stderr}`);
      const steps = (JSON.parse(result.stdout) as { steps?: { op: string; urn: string }[] }).steps ?? [];
      const ops: Record<string, number> = {};
      for (const step of steps.filter((s) => s.urn.includes("ksyun:VpcRoute") && s.op !== "same")) {
        ops[step.op] = (ops[step.op] ?? 0) + 1;
      }
      return ops;
    },
    async close() {
      await pulumi.run(["stack", "rm", "--yes", "--force", stack], { cwd: repoRoot });
      await Promise.all([kube.stop(), emulator.close(), pulumi.cleanup()]);
      await rm(join(repoRoot, `Pulumi.${stack}.yaml`), { force: true });
    },
  };
}
