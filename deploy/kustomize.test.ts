// deploy/kustomize/ and the program's watcher switch (ksyun-route:enableWatcher) must deploy the same objects.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAllYaml, loadYaml } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { watcherClusterRules, watcherNamespaceRules } from "../program/manifests/watcher.ts";
import { allRegistered, recordRegistrations } from "../test/support/pulumi-mocks.ts";
import { repoRoot } from "../testenv/tools.ts";

const dir = join(repoRoot, "deploy/kustomize");
interface Generator {
  name: string;
  namespace: string;
  files: string[];
  options: { disableNameSuffixHash: boolean; labels: Record<string, string> };
}
const kustomization = loadYaml<{ resources: string[]; images: { name: string }[]; configMapGenerator: Generator[] }>(
  readFileSync(join(dir, "kustomization.yaml"), "utf8"),
);
/** Plain JSON (client-node's YAML loader returns typed models). */
const objects = kustomization.resources.flatMap(
  (file) => JSON.parse(JSON.stringify(loadAllYaml(readFileSync(join(dir, file), "utf8")))) as Record<string, unknown>[],
);
const find = (kind: string) => objects.find((o) => o.kind === kind) as { rules?: unknown } | undefined;

/** What declareWatcher registers, resolved, by kind. */
const declared = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  const registered = await recordRegistrations();
  const k8s = await import("@pulumi/kubernetes");
  const { RouteWatcher, DEFAULT_BACKEND_SECRET } = await import("../program/manifests/watcher.ts");
  const { DEFAULT_PORT } = await import("../watcher/options.ts");
  const { AKSK_SECRET_NAME } = await import("../program/manifests/common.ts");
  const watcher = new RouteWatcher(
    {
      namespace: "kube-system",
      image: kustomization.images[0]!.name,
      stack: "prod",
      stackSettings: "config: {}\n",
      port: DEFAULT_PORT,
      backendSecret: DEFAULT_BACKEND_SECRET,
      akskSecretName: AKSK_SECRET_NAME,
    },
    { provider: new k8s.Provider("k8s", {}) },
  );
  await allRegistered(watcher);
  for (const r of registered) if (r.type.startsWith("kubernetes:")) declared.set(r.inputs.kind as string, r.inputs);
});

describe("deploy/kustomize", () => {
  it("grants exactly the program's watcher rules", () => {
    expect(find("ClusterRole")?.rules).toEqual(JSON.parse(JSON.stringify(watcherClusterRules)));
    expect(find("Role")?.rules).toEqual(JSON.parse(JSON.stringify(watcherNamespaceRules)));
  });

  it("holds the same objects as the program's watcher switch", () => {
    const generated = new Set(["ConfigMap"]); // from the operator's settings file, below
    expect(objects.map((o) => o.kind).sort()).toEqual([...declared.keys()].filter((k) => !generated.has(k)).sort());
    for (const object of objects) expect(object, String(object.kind)).toEqual(declared.get(object.kind as string));
  });

  it("makes the stack settings ConfigMap the program declares, from the operator's Pulumi.prod.yaml", () => {
    const configMap = declared.get("ConfigMap") as { metadata: Record<string, unknown>; data: Record<string, string> };
    const [generator] = kustomization.configMapGenerator;
    expect(generator).toMatchObject({
      name: configMap.metadata.name,
      namespace: configMap.metadata.namespace,
      files: Object.keys(configMap.data),
      options: { disableNameSuffixHash: true, labels: configMap.metadata.labels },
    });
  });

  it("runs two replicas with probes on /healthz and /readyz and a PodDisruptionBudget", () => {
    const deployment = declared.get("Deployment") as {
      spec: { replicas: number; template: { spec: { containers: Record<string, { httpGet: { path: string } }>[] } } };
    };
    const container = deployment.spec.template.spec.containers[0]!;
    expect(deployment.spec.replicas).toBe(2);
    expect([container.livenessProbe!.httpGet.path, container.readinessProbe!.httpGet.path]).toEqual([
      "/healthz",
      "/readyz",
    ]);
    expect(find("PodDisruptionBudget")).toBeDefined();
  });
});
