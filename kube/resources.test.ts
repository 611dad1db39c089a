// The typed helpers against a real kube-apiserver; the setup and the checks read through client-node.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKube, type KubeEnv } from "../testenv/kube.ts";
import { KubeClient, KubeConflict } from "./client.ts";
import { loadKubeTarget } from "./config.ts";
import {
  createConfigMap,
  createEvent,
  createLease,
  getConfigMap,
  getLease,
  listNodes,
  microTime,
  patchConfigMap,
  patchNodeStatus,
  replaceLease,
  serverVersion,
} from "./resources.ts";

let kube: KubeEnv;
let core: k8s.CoreV1Api;
let client: KubeClient;

beforeAll(async () => {
  kube = await startKube();
  core = kube.kubeConfig.makeApiClient(k8s.CoreV1Api);
  client = new KubeClient(loadKubeTarget({ kubeconfig: kube.kubeconfigPath }));
});

afterAll(async () => {
  client?.close();
  await kube?.stop();
});

describe("kube/resources", () => {
  it("serverVersion reads major and minor", async () => {
    expect(await serverVersion(client)).toEqual([1, 34]);
  });

  it("listNodes trims every node", async () => {
    for (const name of ["n-1", "n-2"])
      await core.createNode({ body: { metadata: { name, labels: { big: "x".repeat(60) } } } });
    const names = await listNodes(client, (node) => (node as k8s.V1Node).metadata?.name);
    expect(names.sort()).toEqual(["n-1", "n-2"]);
  });

  it("patchNodeStatus adds NetworkUnavailable by strategic merge, keeping the other conditions", async () => {
    const now = new Date().toISOString();
    await core.createNode({
      body: {
        metadata: { name: "status-node" },
        status: {
          conditions: [
            { type: "Ready", status: "True", reason: "KubeletReady" },
            { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory" },
          ],
        },
      },
    });
    const condition = {
      type: "NetworkUnavailable",
      status: "False",
      reason: "RouteCreated",
      message: "route created",
      lastTransitionTime: now,
      lastHeartbeatTime: now,
    };
    await patchNodeStatus(client, "status-node", { status: { conditions: [condition] } });
    const node = await core.readNode({ name: "status-node" });
    const conditions = node.status?.conditions?.map((c) => [c.type, c.status, c.reason]);
    expect(conditions?.sort()).toEqual([
      ["MemoryPressure", "False", "KubeletHasSufficientMemory"],
      ["NetworkUnavailable", "False", "RouteCreated"],
      ["Ready", "True", "KubeletReady"],
    ]);
  });

  it("createEvent writes a core/v1 Event", async () => {
    const now = new Date().toISOString();
    await createEvent(client, "default", {
      metadata: { generateName: "some-node." },
      involvedObject: { apiVersion: "v1", kind: "Node", name: "some-node", uid: "some-node" },
      type: "Normal",
      reason: "CreatedRoute",
      message: "Created VPC route",
      source: { component: "test" },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    const events = await core.listNamespacedEvent({ namespace: "default", fieldSelector: "reason=CreatedRoute" });
    expect(events.items.map((e) => [e.involvedObject.name, e.message])).toEqual([["some-node", "Created VPC route"]]);
  });

  it("Lease: absent reads as undefined, a second create and a stale replace are KubeConflict", async () => {
    expect(await getLease(client, "default", "election")).toBeUndefined();
    const acquired = new Date("2025-01-02T03:04:05.678Z");
    const spec = {
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      acquireTime: microTime(acquired),
      renewTime: microTime(acquired),
    };
    const created = await createLease(client, "default", "election", spec);
    expect(created.spec).toMatchObject({ holderIdentity: "a", acquireTime: "2025-01-02T03:04:05.678000Z" });
    await expect(createLease(client, "default", "election", spec)).rejects.toThrow(KubeConflict);

    const renewed = await replaceLease(client, "default", "election", {
      ...created,
      spec: { ...created.spec, renewTime: microTime(new Date()) },
    });
    expect(renewed.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    const stale = replaceLease(client, "default", "election", { ...created, spec: { ...spec, holderIdentity: "b" } });
    await expect(stale).rejects.toThrow(KubeConflict);
    await expect(stale).rejects.toMatchObject({ status: 409, reason: "Conflict" });
    expect((await getLease(client, "default", "election"))?.spec?.holderIdentity).toBe("a");
  });

  it("ConfigMap: absent reads as undefined; a merge patch sets keys and removes those set to null", async () => {
    expect(await getConfigMap(client, "default", "state")).toBeUndefined();
    await createConfigMap(client, "default", "state", { a: "1", b: "2" });
    await expect(createConfigMap(client, "default", "state", {})).rejects.toMatchObject({
      status: 409,
      reason: "AlreadyExists",
    });
    const patched = await patchConfigMap(client, "default", "state", { b: null, c: "3" });
    expect(patched.data).toEqual({ a: "1", c: "3" });
    expect((await getConfigMap(client, "default", "state"))?.data).toEqual({ a: "1", c: "3" });
  });
});
