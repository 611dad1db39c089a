// The foundation works end to end: the Go-built pulumi, Node language host, dynamic-provider shim and
// Kubernetes plugin drive a real kube-apiserver, and every Node process involved is Node 24.
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKube, type KubeEnv } from "../../testenv/kube.ts";
import { pulumiEnv, type PulumiEnv } from "../../testenv/pulumi.ts";

const cwd = join(import.meta.dirname, "smoke");
const stack = `smoke-${randomUUID().slice(0, 8)}`;
let kube: KubeEnv;
let pulumi: PulumiEnv;

beforeAll(async () => {
  [kube, pulumi] = await Promise.all([startKube(), pulumiEnv()]);
  const init = await pulumi.run(["stack", "init", stack], { cwd });
  expect(init.code, init.stderr).toBe(0);
});

afterAll(async () => {
  await pulumi?.run(["stack", "rm", "--yes", "--force", stack], { cwd });
  await Promise.all([kube?.stop(), pulumi?.cleanup(), rm(join(cwd, `Pulumi.${stack}.yaml`), { force: true })]);
});

describe("smoke: pulumi up / preview / destroy against a real API server", () => {
  const run = (args: string[]) =>
    pulumi.run([...args, "--stack", stack], { cwd, env: { KUBECONFIG: kube.kubeconfigPath } });

  it("up creates the dynamic resource and the ConfigMap, on Node 24 everywhere", async () => {
    const up = await run(["up", "--yes", "--skip-preview"]);
    expect(up.code, up.stdout + up.stderr).toBe(0);

    const outputs = JSON.parse((await run(["stack", "output", "--json"])).stdout);
    expect(outputs.programNodeVersion).toMatch(/^v24\./);
    expect(outputs.providerNodeVersion).toMatch(/^v24\./);

    const core = kube.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const cm = await core.readNamespacedConfigMap({ name: "ksyun-route-smoke", namespace: "default" });
    expect(cm.data).toEqual({ hello: "world" });
  });

  it("preview after up shows no changes", async () => {
    const preview = await run(["preview", "--expect-no-changes"]);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
  });

  it("destroy removes the ConfigMap", async () => {
    const destroy = await run(["destroy", "--yes", "--skip-preview"]);
    expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);
    const core = kube.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await expect(core.readNamespacedConfigMap({ name: "ksyun-route-smoke", namespace: "default" })).rejects.toThrow(
      /404|not found/i,
    );
  });
});
