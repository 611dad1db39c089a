// The informer against a real kube-apiserver, directly and through a proxy that injects errors into watches.
import * as k8s from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startKube, type KubeEnv } from "../testenv/kube.ts";
import { startKubeProxy, type KubeProxy } from "../testenv/kube-proxy.ts";
import { waitFor } from "../testenv/ports.ts";
import { KubeApiError, KubeClient } from "./client.ts";
import { loadKubeTarget } from "./config.ts";
import { Informer } from "./informer.ts";

let kube: KubeEnv;
let proxy: KubeProxy;
let core: k8s.CoreV1Api;
let direct: KubeClient;
let proxied: KubeClient;
const informers: Informer<Trimmed>[] = [];

beforeAll(async () => {
  kube = await startKube();
  proxy = await startKubeProxy(kube);
  core = kube.kubeConfig.makeApiClient(k8s.CoreV1Api);
  direct = new KubeClient(loadKubeTarget({ kubeconfig: kube.kubeconfigPath }));
  proxied = new KubeClient(loadKubeTarget({ kubeconfig: await proxy.kubeconfig(kube.kubeconfigPath) }));
});

afterEach(async () => {
  proxy.fail(undefined);
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  await core.deleteCollectionNode();
});

afterAll(async () => {
  direct?.close();
  proxied?.close();
  await proxy?.close();
  await kube?.stop();
});

/** Keeps the name, the resourceVersion (which alone must not make an update) and one label. */
interface Trimmed {
  metadata: { name: string; resourceVersion?: string; labels: { relevant?: string } };
}
const trim = (raw: object): Trimmed => {
  const { name = "", resourceVersion, labels = {} } = (raw as k8s.V1Node).metadata ?? {};
  return { metadata: { name, resourceVersion, labels: { relevant: labels.relevant } } };
};

/** An informer of Nodes whose callbacks are written down as lines like "add n1". */
function record(client: KubeClient, watchTimeoutSeconds?: number) {
  const events: string[] = [];
  const errors: { error: unknown; retryInMs: number }[] = [];
  const informer = new Informer(client, "/api/v1/nodes", {
    trim,
    name: (t) => t.metadata.name,
    watchTimeoutSeconds,
    onAdd: (t) => events.push(`add ${t.metadata.name}`),
    onUpdate: (old, t) =>
      events.push(`update ${t.metadata.name} ${old.metadata.labels.relevant}→${t.metadata.labels.relevant}`),
    onDelete: (t) => events.push(`delete ${t.metadata.name}`),
    onList: (count) => events.push(`list ${count}`),
    onError: (error, retryInMs) => errors.push({ error, retryInMs }),
  });
  informers.push(informer);
  const until = (line: string, timeoutMs = 30_000) =>
    waitFor(
      `"${line}" in ${JSON.stringify(events)}`,
      async () => (events.includes(line) ? true : undefined),
      timeoutMs,
    );
  return { informer, events, errors, until };
}

const createNode = (name: string, labels: Record<string, string> = {}) =>
  core.createNode({ body: { metadata: { name, labels } } });
const label = (name: string, labels: Record<string, string>) =>
  core.patchNode(
    { name, body: { metadata: { labels } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
const status = (error: unknown) => (error instanceof KubeApiError ? error.status : String(error));

describe("Informer", () => {
  it("lists, then reports adds, updates of the trimmed object only, and deletes", async () => {
    await createNode("a", { relevant: "1" });
    await createNode("b");
    const { informer, events, errors, until } = record(direct);
    expect(informer.synced).toBe(false);
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(events).toEqual(["add a", "add b", "list 2"]);
    expect(informer.size).toBe(2);
    expect(informer.get("a")?.metadata.labels).toEqual({ relevant: "1" });

    await createNode("c");
    await label("a", { noise: "heartbeat" }); // changes the resourceVersion only, as the trim sees it
    await label("a", { relevant: "2" });
    await core.deleteNode({ name: "b" });
    await until("delete b");
    expect(events.slice(3)).toEqual(["add c", "update a 1→2", "delete b"]);
    expect(informer.list().map((t) => t.metadata.name)).toEqual(["a", "c"]);
    expect(informer.get("a")?.metadata.labels.relevant).toBe("2");
    expect(errors).toEqual([]);
  });

  it("watches again from where it was when the server ends a stream, without relisting", async () => {
    const { informer, events, errors, until } = record(direct, 1);
    await informer.start();
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // two streams ended meanwhile
    await createNode("late");
    await until("add late");
    expect(events).toEqual(["list 0", "add late"]);
    expect(errors).toEqual([]);
  });

  it("keeps serving the cache through watch errors, backing off, and resumes from its resourceVersion", async () => {
    await createNode("kept");
    const { informer, events, errors, until } = record(proxied, 1);
    await informer.start();
    proxy.fail(/watch=1/, 503);
    await waitFor("two failed watches", async () => (errors.length >= 2 ? true : undefined));
    expect(errors.map((e) => [status(e.error), e.retryInMs])).toEqual([
      [503, 1000],
      [503, 2000],
    ]);
    expect(informer.get("kept")).toBeDefined();
    await createNode("while-failing");
    proxy.fail(undefined);
    await until("add while-failing");
    expect(events).toEqual(["add kept", "list 1", "add while-failing"]); // from the watch: no relist
  });

  it("relists on 410 Gone, deleting what has gone and adding what is new", async () => {
    await createNode("stale");
    await createNode("stays", { relevant: "1" });
    const { informer, events, errors, until } = record(proxied, 1);
    await informer.start();
    proxy.fail(/watch=1/, 410);
    await waitFor("a watch answered 410", async () => (proxy.injected > 0 ? true : undefined));
    // Changes no watch delivers: only a relist finds them.
    await core.deleteNode({ name: "stale" });
    await createNode("fresh");
    await label("stays", { relevant: "2" });
    await until("update stays 1→2");
    // One relist or several, each reporting what changed since the one before.
    expect(events.slice(3).filter((e) => !e.startsWith("list"))).toEqual([
      "delete stale",
      "add fresh",
      "update stays 1→2",
    ]);
    expect(errors.every((e) => status(e.error) === 410)).toBe(true);
    proxy.fail(undefined);
    await createNode("after");
    await until("add after");
  });

  // Whether the new API server can still serve the old resourceVersion (no 410, no relist) depends on etcd's
  // compaction; either way the cache must end up as the server's state.
  it("recovers after the API server restarts", async () => {
    await createNode("before");
    const { informer, events, errors, until } = record(direct);
    await informer.start();
    await kube.restartApiserver();
    expect(informer.get("before")).toBeDefined(); // served from the cache throughout
    await createNode("after-restart");
    await until("add after-restart", 60_000);
    expect(errors.length).toBeGreaterThan(0);
    expect(informer.list().map((t) => t.metadata.name)).toEqual(["before", "after-restart"]);
    // A relist, if there was one, reports nothing for the unchanged node.
    expect(events.filter((e) => !e.startsWith("list"))).toEqual(["add before", "add after-restart"]);
  });
});
