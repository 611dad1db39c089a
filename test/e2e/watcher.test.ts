// The in-cluster watcher as local processes with a least-privilege service-account token, against a real API
// server, the emulator and the real CLI (issue: the in-cluster watcher). One stack throughout, in order.
import { readdir, rename } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptSecret } from "@ksyun-route/provider/client";
import { watcherClusterRules, watcherNamespaceRules } from "../../program/manifests/watcher.ts";
import { waitFor } from "../../testenv/ports.ts";
import { writeSecretVolume } from "../../testenv/secret-volume.ts";
import { repoRoot } from "../../testenv/tools.ts";
import { AK, node, programStack, SK, type ProgramStack } from "./program-stack.ts";
import { addInstances, extraNode } from "./watcher-nodes.ts";
import { idle, LEASE_NAMESPACE, startWatcher, type WatcherProcess } from "./watcher-process.ts";

const LEASE = "ksyun-route-watcher";
const BURST = 200; // the emulator's default route quota
const CIPHER_KEY = "0123456789abcdef";
/** The access key the Secret holds after its rotation. */
const ROTATED = { accessKeyId: "AKLTe2eRotated", secretAccessKey: "e2e-rotated-secret-2c9d" };

let s: ProgramStack;
/** The watchers' service account, its token read from a file as in a pod. */
let account: Awaited<ReturnType<ProgramStack["kube"]["serviceAccountTokenFile"]>>;
let kubeconfig: string;
/** The kce-security-token Secret as mounted: the original layout, secret key encrypted. */
let akskDir: string;
const akskFiles = (ak: string, sk: string) => ({ ak, sk: encryptSecret(sk, CIPHER_KEY), cipher: "aes256+base64" });
const watchers: WatcherProcess[] = [];

beforeAll(async () => {
  s = await programStack();
  await s.ok(["up", "--yes", "--skip-preview"]); // the manifests, and no routes yet
  // pulumi-kubernetes recorded this path ($KUBECONFIG) in the state's provider. As in a pod, where an operator's
  // kubeconfig does not exist, it is gone for the watcher: any run that used the manifests' provider would fail.
  await rename(s.kube.kubeconfigPath, `${s.kube.kubeconfigPath}.hidden`);
  // The Role's rules become cluster-wide here (the harness binds a ClusterRole): a superset, still least privilege.
  const rules = [...watcherClusterRules, ...watcherNamespaceRules].map((r) => ({
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    verbs: [...r.verbs],
    ...(r.resourceNames && { resourceNames: [...r.resourceNames] }),
  }));
  account = await s.kube.serviceAccountTokenFile("watcher-e2e", rules);
  kubeconfig = account.kubeconfig;
  akskDir = join(s.pulumi.dir, "aksk");
  await writeSecretVolume(akskDir, akskFiles(AK, SK));
}, 240_000);

afterAll(async () => {
  await Promise.all(watchers.map((w) => w.proc.stop()));
  await s?.close();
});

const start = async (identity: string, resync: string, args: string[] = []) => {
  const watcher = await startWatcher(s, { identity, kubeconfig, resync, args });
  watchers.push(watcher);
  return watcher;
};
const routeCidrs = async () => (await s.control.routes()).map((r) => r.destinationCidrBlock).sort();
const waitForRoutes = (what: string, test: (cidrs: string[]) => boolean, timeoutMs = 90_000) =>
  waitFor(what, async () => (test(await routeCidrs()) ? true : undefined), timeoutMs);
const lease = async () =>
  (
    await s.kube.kubeConfig
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: LEASE, namespace: LEASE_NAMESPACE })
  ).spec;
const holder = async () => (await lease())?.holderIdentity;
/**
 * Waits until a run that started after this call has finished, so that every run from then on sees what changed
 * before it. (With a 5 s resync the leader is seldom idle, so waiting for idle would be a race.)
 */
const runStartedAfterNow = async (w: WatcherProcess) => {
  const [finished, inProgress] = await Promise.all([
    w.metric("ksyun_route_watcher_runs_total"),
    w.metric("ksyun_route_watcher_run_in_progress"),
  ]);
  await waitFor(`a new run of ${w.identity}`, async () =>
    (await w.metric("ksyun_route_watcher_runs_total")) >= finished + inProgress + 1 ? true : undefined,
  );
};
const successes = (w: WatcherProcess) => w.metric("ksyun_route_watcher_runs_total", { result: "success" });
const cidr = (i: number) => `172.20.${i}.0/24`;
/** API calls ten at a time, as a burst of kubelets registering would arrive. */
async function inParallel<T>(items: T[], call: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await call(item);
    }),
  );
}

const burstNode = (i: number) => extraNode(`burst-${i}`, cidr(10 + i), i);

describe("the watcher", () => {
  let a: WatcherProcess;
  let b: WatcherProcess;

  it("its service account cannot change the calico-cni DaemonSet (403)", async () => {
    const sa = new k8s.KubeConfig();
    sa.loadFromFile(kubeconfig);
    const apps = sa.makeApiClient(k8s.AppsV1Api);
    const patch = apps.patchNamespacedDaemonSet(
      { name: "calico-cni", namespace: "kube-system", body: { metadata: { labels: { hijacked: "true" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await expect(patch).rejects.toMatchObject({ code: 403 });
    await expect(
      apps.deleteNamespacedDaemonSet({ name: "calico-cni", namespace: "kube-system" }),
    ).rejects.toMatchObject({
      code: 403,
    });
  });

  it("with that account leads; its runs, refresh included, keep to the routes and leave the manifests alone", async () => {
    const apps = s.kube.kubeConfig.makeApiClient(k8s.AppsV1Api);
    const before = await apps.readNamespacedDaemonSet({ name: "calico-cni", namespace: "kube-system" });
    // Without the targets, a refresh in the watcher's environment needs the manifests' provider, and fails.
    const untargeted = await s.pulumi.run(["refresh", "--yes", "--skip-preview", "--stack", s.stack], {
      cwd: repoRoot,
      env: { KUBECONFIG: kubeconfig, KSYUN_ROUTE_SCOPE: "routes" },
    });
    expect(untargeted.code, untargeted.stdout).not.toBe(0);
    expect(untargeted.stdout).toContain("configured Kubernetes cluster is unreachable");

    a = await start("watcher-a", "10m");
    // A leader's first run is `up --refresh`.
    await waitFor("the first run", async () => ((await successes(a)) >= 1 ? true : undefined), 90_000);
    expect(await a.metric("ksyun_route_watcher_runs_total", { kind: "sync", result: "success" })).toBe(1);
    expect(await holder()).toBe("watcher-a");
    expect(await a.metric("ksyun_route_watcher_leader")).toBe(1);
    const after = await apps.readNamespacedDaemonSet({ name: "calico-cni", namespace: "kube-system" });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    const state = await s.ok(["stack", "export"]);
    expect(state).toContain("kubernetes:apps/v1:DaemonSet::calico-cni");
  });

  it(`a burst of ${BURST} node joins → all routes, in at most 5 runs`, async () => {
    await addInstances(s.control, 0, BURST);
    await idle(a);
    const runsBefore = await a.metric("ksyun_route_watcher_runs_total");
    await inParallel(
      Array.from({ length: BURST }, (_, i) => i),
      (i) => s.core.createNode({ body: burstNode(i) }),
    );
    await waitForRoutes(`${BURST} routes`, (cidrs) => cidrs.length === BURST, 180_000);
    await idle(a);
    const runs = (await a.metric("ksyun_route_watcher_runs_total")) - runsBefore;
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(5);
    await waitFor("the node condition", async () => {
      const status = (await s.core.readNodeStatus({ name: "burst-7" })).status;
      const condition = status?.conditions?.find((c) => c.type === "NetworkUnavailable");
      return condition?.status === "False" && condition.reason === "RouteCreated" ? true : undefined;
    });
  }, 300_000);

  it("deleted nodes → their routes gone; a new node → its route and an Event", async () => {
    await s.config("allowMassDeletion", "true");
    const doomed = Array.from({ length: BURST - 1 }, (_, i) => `burst-${i + 1}`);
    await inParallel(doomed, (name) => s.core.deleteNode({ name }));
    await waitForRoutes("one route left", (cidrs) => cidrs.length === 1 && cidrs[0] === cidr(10));
    await idle(a);
    await s.config("allowMassDeletion", "false");

    await s.core.createNode({ body: node("node-c", cidr(3), 2) });
    await waitForRoutes("node-c's route", (cidrs) => cidrs.includes(cidr(3)));
    // With the settings changed, a run has swept every route; the run that records one more node declares its
    // route alone, and its outputs still list all three.
    await idle(a);
    await s.core.createNode({ body: extraNode("scoped-1", cidr(11), 1) });
    await waitForRoutes("scoped-1's route", (cidrs) => cidrs.includes(cidr(11)));
    await idle(a);
    const recording = a.logs().findLast((l) => l.msg === "run succeeded" && Number(l.changes) > 0);
    expect(recording).toMatchObject({ declared: 1, changes: 1, routes: 3 });
    await s.core.deleteNode({ name: "scoped-1" });
    await waitForRoutes("scoped-1's route gone", (cidrs) => !cidrs.includes(cidr(11)));
    await idle(a);
    await waitFor("the CreatedRoute event", async () => {
      const events = await s.core.listNamespacedEvent({
        namespace: "default",
        fieldSelector: "involvedObject.name=node-c",
      });
      return events.items.some((e) => e.reason === "CreatedRoute") ? true : undefined;
    });
  }, 240_000);

  it("two watchers: exactly one leads; SIGKILL the leader mid-run → the other clears its lock and converges", async () => {
    b = await start("watcher-b", "5s", ["--aksk-dir", akskDir]);
    await waitFor("watcher-b ready", async () => ((await b.ready()) ? true : undefined));
    expect([await a.metric("ksyun_route_watcher_leader"), await b.metric("ksyun_route_watcher_leader")]).toEqual([
      1, 0,
    ]);
    expect(await holder()).toBe("watcher-a");

    await idle(a);
    await s.core.createNode({ body: node("node-d", cidr(4), 3) });
    const locks = join(s.pulumi.backendDir, ".pulumi", "locks");
    await waitFor("watcher-a's run to lock the stack", async () => {
      const files = await readdir(locks, { recursive: true }).catch(() => []);
      return files.some((f) => f.endsWith(".json")) ? true : undefined;
    });
    await a.proc.kill(); // the watcher and its pulumi: the lock stays behind

    // The event path made node-d's route before the kill; the new leader records it from a's ledger.
    await waitForRoutes("node-d's route", (cidrs) => cidrs.includes(cidr(4)), 120_000);
    await waitFor("watcher-b's first run", async () => ((await successes(b)) >= 1 ? true : undefined), 120_000);
    expect(await holder()).toBe("watcher-b");
    expect(await b.metric("ksyun_route_watcher_leader")).toBe(1);
    expect(b.logs().some((l) => l.msg === "clearing the stale lock of the previous leader")).toBe(true);
    const recorded = JSON.parse(
      (await s.run(["stack", "output", "routes", "--json", "--show-secrets"])).stdout,
    ) as Record<string, { cidr: string }>;
    expect(recorded["node-d"]?.cidr).toBe(cidr(4));
  }, 240_000);

  it("with the credentials of the mounted Secret only, an out-of-band route delete is repaired by a periodic run", async () => {
    // From here on the stack has no credentials of its own: the runs sign with the files watcher-b hands them.
    await s.config("cipherKey", CIPHER_KEY, true);
    await s.config("enableSecret", "false");
    await s.ok(["config", "rm-all", "ksyun-route:accessKeyId", "ksyun-route:secretAccessKey"]);
    await runStartedAfterNow(b);
    const route = (await s.control.routes()).find((r) => r.destinationCidrBlock === cidr(3));
    await s.control.deleteRoute(route!.routeId);
    await waitForRoutes("node-c's route restored", (cidrs) => cidrs.includes(cidr(3)));
    await waitFor("drift counted", async () =>
      (await b.metric("ksyun_route_watcher_drift_repaired_total")) >= 1 ? true : undefined,
    );
  }, 180_000);

  it("picks up an AK/SK rotated in the mounted Secret once KSYun refuses the old key", async () => {
    await writeSecretVolume(akskDir, akskFiles(ROTATED.accessKeyId, ROTATED.secretAccessKey));
    await s.control.setCredentials([ROTATED]);
    await runStartedAfterNow(b);
    await s.control.reset(true);
    const route = (await s.control.routes()).find((r) => r.destinationCidrBlock === cidr(3));
    await s.control.deleteRoute(route!.routeId);
    await waitForRoutes("node-c's route restored with the new key", (cidrs) => cidrs.includes(cidr(3)));
    expect((await s.control.stats()).errors).toEqual({});
  }, 180_000);

  // A relist after 410 Gone is proven against a proxy that answers 410 (kube/informer.test.ts): a restarted
  // API server on the same etcd still serves the watch's resourceVersion.
  it("survives an API server restart: its informer reconnects and the next node is routed", async () => {
    const restarts = await b.metric("ksyun_route_watcher_informer_restarts_total");
    await s.kube.restartApiserver();
    await s.core.createNode({ body: node("node-e", cidr(5), 4) });
    await waitForRoutes("node-e's route", (cidrs) => cidrs.includes(cidr(5)), 150_000);
    expect(await b.metric("ksyun_route_watcher_informer_restarts_total")).toBeGreaterThan(restarts);
  }, 240_000);

  it("keeps leading and converging across a service-account token rotation", async () => {
    const revokePrevious = await account.rotate();
    // client-node re-reads the token file once its copy is a minute old; the kubelet rotates far earlier than
    // the old token expires, which the revocation below stands in for.
    await delay(65_000);
    const logged = b.logs().length;
    await revokePrevious();
    const revokedAt = Date.now();
    await s.core.createNode({ body: node("node-f", cidr(6), 5) });
    await waitForRoutes("node-f's route", (cidrs) => cidrs.includes(cidr(6)));
    // Renewing the Lease needs a valid token: a watcher still holding the revoked one could not.
    await waitFor("a Lease renewal after the revocation", async () => {
      const { holderIdentity, renewTime } = (await lease()) ?? {};
      return holderIdentity === "watcher-b" && new Date(renewTime ?? 0).getTime() > revokedAt + 1000 ? true : undefined;
    });
    expect(JSON.stringify(b.logs().slice(logged))).not.toMatch(/Unauthorized|\b401\b/);
  }, 240_000);

  it("no credential in the watchers' logs, the metrics or the Events", async () => {
    const secrets = [AK, SK, ROTATED.accessKeyId, ROTATED.secretAccessKey, CIPHER_KEY].flatMap((secret) => [
      secret,
      encryptSecret(secret, CIPHER_KEY),
    ]);
    const events = JSON.stringify((await s.core.listEventForAllNamespaces()).items);
    expect(events).toMatch(/Route/); // the Events exist, so the check below reads something
    const seen = [events, await b.metricsText(), ...watchers.map((w) => JSON.stringify(w.logs()))].join("\n");
    expect(watchers.every((w) => w.logs().length > 0)).toBe(true);
    for (const secret of secrets) expect(seen).not.toContain(secret);
  });

  it("SIGTERM releases the Lease", async () => {
    await b.proc.stop(20_000);
    expect(await holder()).toBe("");
  });
});
