// The program through the real CLI: live Nodes of a real API server → routes in the emulator, manifests in
// the cluster, and the safety rules (issue: the Pulumi program).
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeProxy } from "../../testenv/kube-proxy.ts";
import { createNodes, INSTANCES, node, programStack, THREE_NODES, VPC, type ProgramStack } from "./program-stack.ts";

let s: ProgramStack;
beforeAll(async () => {
  s = await programStack();
  await createNodes(s, THREE_NODES);
});
afterAll(() => s?.close());

const routeTable = async () =>
  (await s.control.routes()).map((r) => `${r.destinationCidrBlock}>${r.instanceId}`).sort();

describe("the program against a real API server and the emulator", () => {
  it("3 nodes → 3 routes, and every manifest object exists", async () => {
    await s.ok(["up", "--yes", "--skip-preview"]);
    expect(await routeTable()).toEqual([
      `172.20.1.0/24>${INSTANCES[0]}`,
      `172.20.2.0/24>${INSTANCES[1]}`,
      `172.20.3.0/24>${INSTANCES[2]}`,
    ]);
    const kc = s.kube.kubeConfig;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const namespace = "kube-system";
    const secret = await core.readNamespacedSecret({ name: "kce-security-token", namespace });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(["ak", "sk"]);
    await core.readNamespacedConfigMap({ name: "calico-config", namespace });
    await core.readNamespacedConfigMap({ name: "ip-masq-agent-config", namespace });
    await core.readNamespacedServiceAccount({ name: "calico-node", namespace });
    await rbac.readClusterRole({ name: "calico-node" });
    await rbac.readClusterRoleBinding({ name: "calico-node" });
    await apps.readNamespacedDaemonSet({ name: "calico-cni", namespace });
    await apps.readNamespacedDaemonSet({ name: "ip-masq-agent", namespace });
    expect(await s.previewRouteOps()).toEqual({});
  });

  it("a new node previews one create", async () => {
    await s.core.createNode({ body: node("node-d", "172.20.4.0/24", 3) });
    expect(await s.previewRouteOps()).toEqual({ create: 1 });
    await s.core.deleteNode({ name: "node-d" });
  });

  it("a deleted node previews one delete", async () => {
    await s.core.deleteNode({ name: "node-c" });
    expect(await s.previewRouteOps()).toEqual({ delete: 1 });
    await s.core.createNode({ body: node("node-c", "172.20.3.0/24", 2) });
  });

  it("an exclusion label previews one delete", async () => {
    const label = (value: string | null) =>
      s.core.patchNode(
        { name: "node-b", body: { metadata: { labels: { "service.ksyun.com/exclude-node": value } } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
    await label("true");
    expect(await s.previewRouteOps()).toEqual({ delete: 1 });
    await label(null);
  });

  it("a node whose Ready condition is Unknown keeps its route", async () => {
    const current = await s.core.readNodeStatus({ name: "node-a" });
    current.status!.conditions = [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }];
    await s.core.replaceNodeStatus({ name: "node-a", body: current });
    expect(await s.previewRouteOps()).toEqual({});
  });

  it("a newcomer with another node's pod CIDR gets no route, naming both nodes; every route stays", async () => {
    await s.core.createNode({ body: node("node-e", "172.20.1.0/24", 4) });
    await s.control.reset(true);
    const preview = await s.run(["preview"]);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/node node-e gets no route: pod CIDR 172\.20\.1\.0\/24 overlaps node "node-a"/);
    await s.ok(["up", "--yes", "--skip-preview"]);
    const skipped = JSON.parse(await s.ok(["stack", "output", "skippedNodes", "--json"])) as Record<string, string>;
    expect(Object.keys(skipped)).toEqual(["node-e"]);
    expect((await s.control.stats()).calls.CreateRoute ?? 0).toBe(0);
    expect(await routeTable()).toHaveLength(3);
    await s.core.deleteNode({ name: "node-e" });
  });

  it("an empty node list withholds every delete; the override lets the deletion through", async () => {
    const nodes = (await s.core.listNode()).items.map((n) => n.metadata!.name!);
    for (const name of nodes) await s.core.deleteNode({ name });
    const withheld = await s.run(["preview", "--json"]);
    expect(withheld.code).toBe(0);
    expect(withheld.stdout).toMatch(/withholding 3 route deletes[^"]*the node list is empty[^"]*allowMassDeletion/);
    expect(await s.previewRouteOps()).toEqual({});
    await s.config("allowMassDeletion", "true");
    expect(await s.previewRouteOps()).toEqual({ delete: 3 });
    await s.config("allowMassDeletion", "false");
    expect(nodes.sort()).toEqual(THREE_NODES.map(([name]) => name));
    await createNodes(s, THREE_NODES);
    expect(await s.previewRouteOps()).toEqual({});
  });

  it("more deletions than maxRouteDeletes are withheld, naming the limit, and stay withheld within it", async () => {
    const before = await routeTable();
    await s.config("maxRouteDeletes", "1");
    for (const [name] of THREE_NODES.slice(1)) await s.core.deleteNode({ name });
    const up = await s.run(["up", "--yes", "--skip-preview"]);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/withholding 2 route deletes.*2 routes, more than ksyun-route:maxRouteDeletes = 1/s);
    expect(await routeTable()).toEqual(before);
    expect(JSON.parse(await s.ok(["stack", "output", "withheldDeletes", "--json"]))).toEqual(["node-b", "node-c"]);
    // Within the limit now (the default of 3), yet still withheld: a mass deletion is not made piecemeal.
    await s.ok(["config", "rm", "ksyun-route:maxRouteDeletes"]);
    expect(await s.previewRouteOps()).toEqual({});
    await createNodes(s, THREE_NODES.slice(1));
    await s.ok(["up", "--yes", "--skip-preview"]);
    expect(JSON.parse(await s.ok(["stack", "output", "withheldDeletes", "--json"]))).toEqual([]);
    expect(await s.previewRouteOps()).toEqual({});
  });

  it.each([500, 503, 403])(
    "an API server answering %i to the node list fails the run with that answer and deletes nothing",
    async (code) => {
      const before = await routeTable();
      const proxy = await startKubeProxy(s.kube);
      try {
        proxy.fail(/^\/api\/v1\/nodes/, code);
        const failed = await s.run(["up", "--yes", "--skip-preview"], {
          KUBECONFIG: await proxy.kubeconfig(s.kube.kubeconfigPath),
        });
        expect(failed.code).not.toBe(0);
        expect(failed.stdout + failed.stderr).toMatch(new RegExp(`nodes.*${code}|${code}.*nodes`, "i"));
        expect(proxy.injected).toBeGreaterThan(0);
        expect(await routeTable()).toEqual(before);
      } finally {
        await proxy.close();
      }
      expect(await s.previewRouteOps()).toEqual({});
    },
  );

  it("refuses credentials set without --secret, before anything changes", async () => {
    await s.config("accessKeyId", "AKLTplaintext");
    const preview = await s.run(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(preview.stdout + preview.stderr).toContain("ksyun-route:accessKeyId must be set with --secret");
    await s.config("accessKeyId", "AKLTe2eProgram", true);
  });

  it("destroy removes its routes and manifests, and spares another cluster's, manual and default routes", async () => {
    const foreign = [
      // another cluster's pod CIDR, a hand-made route inside ours, the VPC's default route
      ["172.21.0.0/24", INSTANCES[3]],
      ["172.20.200.0/24", INSTANCES[4]],
      ["0.0.0.0/0", undefined],
    ] as const;
    const added = [];
    for (const [destinationCidrBlock, instanceId] of foreign) {
      added.push(
        await s.control.addRoute(
          instanceId
            ? { vpcId: VPC, destinationCidrBlock, routeType: "Host", instanceId }
            : { vpcId: VPC, destinationCidrBlock, routeType: "InternetGateway" },
        ),
      );
    }
    expect(await s.previewRouteOps()).toEqual({});
    await s.ok(["destroy", "--yes", "--skip-preview"]);
    expect(await s.control.routes()).toEqual(added);
    await expect(
      s.core.readNamespacedSecret({ name: "kce-security-token", namespace: "kube-system" }),
    ).rejects.toMatchObject({ code: 404 });
  });
});

describe("migration from vpc-route-controller", () => {
  it("adopts the routes the original created: 0 creates, 0 deletes", async () => {
    const m = await programStack();
    try {
      for (const [name, cidr, instance] of [
        ["old-1", "172.20.11.0/24", 0],
        ["old-2", "172.20.12.0/24", 1],
      ] as const) {
        await m.core.createNode({ body: node(name, cidr, instance) });
        // exactly as the original creates them: Host route, pod CIDR → instance, no description
        await m.control.addRoute({
          vpcId: VPC,
          destinationCidrBlock: cidr,
          routeType: "Host",
          instanceId: INSTANCES[instance],
        });
      }
      const before = await m.control.routes();
      await m.control.reset(true);
      await m.ok(["up", "--yes", "--skip-preview"]);
      const calls = (await m.control.stats()).calls;
      expect([calls.CreateRoute ?? 0, calls.DeleteRoute ?? 0]).toEqual([0, 0]);
      expect((await m.control.routes()).map((r) => r.routeId).sort()).toEqual(before.map((r) => r.routeId).sort());
      expect(await m.previewRouteOps()).toEqual({});
    } finally {
      await m.close();
    }
  });
});
