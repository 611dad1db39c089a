// KubeClient against a real kube-apiserver; the setup uses client-node.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startKube, type KubeEnv } from "../testenv/kube.ts";
import { waitFor } from "../testenv/ports.ts";
import { KubeApiError, KubeClient, type WatchEventType } from "./client.ts";
import { loadKubeTarget, type KubeTarget } from "./config.ts";

let kube: KubeEnv;
let core: k8s.CoreV1Api;
let client: KubeClient;
const clients: KubeClient[] = [];

/** A client that is closed after the tests. */
function connect(target: KubeTarget, options?: { timeoutMs?: number }): KubeClient {
  const made = new KubeClient(target, options);
  clients.push(made);
  return made;
}

beforeAll(async () => {
  kube = await startKube();
  core = kube.kubeConfig.makeApiClient(k8s.CoreV1Api);
  client = connect(loadKubeTarget({ kubeconfig: kube.kubeconfigPath }));
  for (let i = 0; i < 5; i++) await core.createNode({ body: { metadata: { name: `page-${i}` } } });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await kube?.stop();
});

const name = (item: object) => (item as k8s.V1Node).metadata?.name;

describe("KubeClient", () => {
  it("lists in pages, following continue tokens and mapping each item", async () => {
    const map = vi.fn(name);
    const { items, resourceVersion } = await client.listAll("/api/v1/nodes", { pageSize: 2, map });
    expect(items.sort()).toEqual(["page-0", "page-1", "page-2", "page-3", "page-4"]);
    expect(map).toHaveBeenCalledTimes(5);
    expect(resourceVersion).toMatch(/^\d+$/);

    const one = await client.request<{ items: object[]; metadata: { continue?: string } }>("GET", "/api/v1/nodes", {
      query: { limit: 2 },
    });
    expect(one.items).toHaveLength(2); // the server did page
    expect(one.metadata.continue).toBeTruthy();
  });

  it("lists with a label selector", async () => {
    await core.patchNode(
      { name: "page-3", body: { metadata: { labels: { chosen: "yes" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const { items } = await client.listAll("/api/v1/nodes", { labelSelector: "chosen=yes", map: name });
    expect(items).toEqual(["page-3"]);
  });

  it("watches adds, updates and deletes from a list's resourceVersion, and stops on abort", async () => {
    const { resourceVersion } = await client.listAll("/api/v1/nodes");
    const seen: [WatchEventType, string | undefined][] = [];
    const stop = new AbortController();
    const watching = client.watch(
      "/api/v1/nodes",
      { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 60 },
      (type, object) => {
        if (type !== "BOOKMARK") seen.push([type, name(object)]);
      },
      stop.signal,
    );
    await core.createNode({ body: { metadata: { name: "watched" } } });
    await core.patchNode(
      { name: "watched", body: { metadata: { labels: { changed: "yes" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNode({ name: "watched" });
    await waitFor("the delete", async () => (seen.length >= 3 ? true : undefined), 10_000);
    expect(seen).toEqual([
      ["ADDED", "watched"],
      ["MODIFIED", "watched"],
      ["DELETED", "watched"],
    ]);
    stop.abort(new Error("test done"));
    await expect(watching).rejects.toThrow("test done");
  });

  it("resolves a watch when the server ends it at timeoutSeconds", async () => {
    const { resourceVersion } = await client.listAll("/api/v1/nodes");
    const started = Date.now();
    await client.watch("/api/v1/nodes", { resourceVersion, timeoutSeconds: 1 }, () => {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("parses watch lines split across chunks, and rejects an ERROR event with its Status (410: relist)", async () => {
    const events = [
      { type: "ADDED", object: { metadata: { name: "a", resourceVersion: "5" } } },
      { type: "BOOKMARK", object: { metadata: { resourceVersion: "6" } } },
      { type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" } },
    ];
    const text = events.map((e) => JSON.stringify(e) + "\n").join("");
    // A plain-http stand-in for the API server: the stream in 7-byte writes, so no chunk is a whole line.
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const write = (at: number): void => {
        if (at >= text.length) return;
        res.write(text.slice(at, at + 7));
        setImmediate(() => write(at + 7));
      };
      write(0);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const target = { server: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), insecure: false };
      const plain = connect({ ...target, token: async () => undefined });
      const seen: [string, object][] = [];
      const watching = plain.watch("/api/v1/nodes", {}, (type, object) => seen.push([type, object]));
      await expect(watching).rejects.toMatchObject({ status: 410, reason: "Expired" });
      await expect(watching).rejects.toThrow(KubeApiError);
      expect(seen).toEqual([
        ["ADDED", events[0]!.object],
        ["BOOKMARK", events[1]!.object],
      ]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("turns non-2xx answers into KubeApiError with the Status's code, reason and message", async () => {
    const missing = client.request("GET", "/api/v1/nodes/nope");
    await expect(missing).rejects.toThrow(KubeApiError);
    await expect(missing).rejects.toMatchObject({
      status: 404,
      reason: "NotFound",
      message: 'GET /api/v1/nodes/nope: 404 NotFound: nodes "nope" not found',
    });

    const path = await kube.serviceAccountKubeconfig("reads-nothing", []);
    const forbidden = connect(loadKubeTarget({ kubeconfig: path })).request("GET", "/api/v1/nodes");
    await expect(forbidden).rejects.toMatchObject({ status: 403, reason: "Forbidden" });
  });

  it("never puts the token into an error", async () => {
    const token = "not-a-valid-token-4f9c2a";
    const target = { ...loadKubeTarget({ kubeconfig: kube.kubeconfigPath }), token: async () => token };
    const error: unknown = await connect(target)
      .request("GET", "/api/v1/nodes")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, reason: "Unauthorized" });
    expect(JSON.stringify(error) + String(error) + (error as Error).stack).not.toContain(token);
  });

  it("gives up on a request after its timeout", async () => {
    const slow = connect(loadKubeTarget({ kubeconfig: kube.kubeconfigPath }), { timeoutMs: 300 });
    // A watch never answers in full, so as a plain request it can only time out.
    await expect(slow.request("GET", "/api/v1/nodes", { query: { watch: 1 } })).rejects.toThrow(
      "GET /api/v1/nodes: no answer within 300 ms",
    );
  });

  it("picks up a token file rotated on disk once its copy is a minute old", async () => {
    const rules = [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] }];
    const account = await kube.serviceAccountTokenFile("rotating", rules);
    const target = loadKubeTarget({ kubeconfig: account.kubeconfig });
    const rotating = connect(target);
    const oldToken = await target.token();
    await rotating.request("GET", "/api/v1/nodes");

    const revokeOld = await account.rotate();
    await revokeOld();
    const withOld = connect({ ...target, token: async () => oldToken });
    await waitFor("the old token's revocation", () =>
      withOld.request("GET", "/api/v1/nodes").then(
        () => undefined,
        (e: unknown) => (e instanceof KubeApiError && e.status === 401 ? true : undefined),
      ),
    );
    // Still the cached copy of the revoked token…
    await expect(rotating.request("GET", "/api/v1/nodes")).rejects.toMatchObject({ status: 401 });
    // …until it is a minute old.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      await expect(rotating.request("GET", "/api/v1/nodes")).resolves.toBeDefined();
      expect(await target.token()).not.toBe(oldToken);
    } finally {
      vi.useRealTimers();
    }
  });
});
