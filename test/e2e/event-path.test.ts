// The watcher's event path with the real watcher, API server, emulator and CLI (issue: the event path): one node's
// trouble stays its own, deletes past the budget are withheld while joins proceed, nothing made by a killed leader
// or run is orphaned, and only the leader calls KSYun.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { watcherClusterRules, watcherNamespaceRules } from "../../program/manifests/watcher.ts";
import { load, dump } from "js-yaml";
import { waitFor } from "../../testenv/ports.ts";
import { writeSecretVolume } from "../../testenv/secret-volume.ts";
import { repoRoot } from "../../testenv/tools.ts";
import { INSTANCES, programStack, VPC, type ProgramStack } from "./program-stack.ts";
import { addInstances, extraNode } from "./watcher-nodes.ts";
import { idle, LEASE_NAMESPACE, startWatcher, type WatcherProcess } from "./watcher-process.ts";

const cidr = (i: number) => `172.20.${i}.0/24`;
let s: ProgramStack;
let kubeconfig: string;
const watchers: WatcherProcess[] = [];

beforeAll(async () => {
  s = await programStack({ routeQuota: 500 });
  await s.config("enableCni", "false");
  await s.config("enableMasqAgent", "false");
  await s.config("enableSecret", "false");
  await addInstances(s.control, 0, 60);
  const rules = [...watcherClusterRules, ...watcherNamespaceRules].map((r) => ({
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    verbs: [...r.verbs],
    ...(r.resourceNames && { resourceNames: [...r.resourceNames] }),
  }));
  kubeconfig = await s.kube.serviceAccountKubeconfig("event-path-e2e", rules);
}, 240_000);

afterAll(async () => {
  await Promise.all(watchers.map((w) => w.proc.stop()));
  await s?.close();
});

const start = async (identity: string, args: string[] = []) => {
  const w = await startWatcher(s, { identity, kubeconfig, resync: "10m", args });
  watchers.push(w);
  await waitFor(`${identity} ready`, async () => ((await w.ready()) ? true : undefined), 60_000);
  return w;
};
const stop = async (w: WatcherProcess, kill = false) => {
  if (!watchers.includes(w)) return;
  watchers.splice(watchers.indexOf(w), 1);
  await (kill ? w.proc.kill() : w.proc.stop(20_000));
};
/** Each test below leaves no watcher behind, even when it fails. */
const stopAll = () => Promise.all([...watchers].map((w) => stop(w)));
const routes = async () => (await s.control.routes()).map((r) => `${r.destinationCidrBlock} ${r.instanceId}`).sort();
const hasRoute = async (destination: string) =>
  (await s.control.routes()).some((r) => r.destinationCidrBlock === destination);
const condition = async (name: string) =>
  (await s.core.readNodeStatus({ name })).status?.conditions?.find((c) => c.type === "NetworkUnavailable");
const events = async (name: string) =>
  (await s.core.listNamespacedEvent({ namespace: "default", fieldSelector: `involvedObject.name=${name}` })).items;
const recorded = async () =>
  JSON.parse((await s.run(["stack", "output", "routes", "--json", "--show-secrets"])).stdout || "{}") as Record<
    string,
    { cidr: string; routeId: string }
  >;

describe("one node's trouble stays its own", () => {
  let w: WatcherProcess;
  afterAll(stopAll);

  it("an overlapping and a shared-instance node get no route; three normal joins are routed within 1 s each", async () => {
    w = await start("trouble");
    await s.core.createNode({ body: extraNode("ok-1", cidr(1), 1) });
    await s.core.createNode({ body: extraNode("ok-2", cidr(2), 2) });
    await waitFor("the first routes", async () => ((await hasRoute(cidr(2))) ? true : undefined));
    await idle(w);
    const before = await routes();

    // The same pod CIDR as ok-1, and ok-2's instance.
    await s.core.createNode({ body: extraNode("overlap", cidr(1), 3) });
    await s.core.createNode({ body: extraNode("shared", cidr(4), 2) });
    const joined = Date.now();
    await Promise.all([5, 6, 7].map((i) => s.core.createNode({ body: extraNode(`join-${i}`, cidr(i), i) })));
    for (const i of [5, 6, 7]) {
      await waitFor(`join-${i}'s route`, async () => ((await hasRoute(cidr(i))) ? true : undefined), 5_000);
    }
    expect(Date.now() - joined).toBeLessThan(1_000 + 250); // three joins, each at once; 250 ms for the polling
    await idle(w);

    const after = await routes();
    expect(after.filter((r) => before.includes(r))).toEqual(before);
    expect(after).toHaveLength(before.length + 3);
    for (const [name, reason] of [
      ["overlap", `overlaps node "ok-1"'s ${cidr(1)}`],
      ["shared", "shares KEC instance"],
    ] as const) {
      await waitFor(`${name}'s condition`, async () => ((await condition(name))?.status === "True" ? true : undefined));
      expect(await condition(name)).toMatchObject({
        reason: "NoRouteCreated",
        message: expect.stringContaining(reason),
      });
      expect((await events(name)).map((e) => `${e.reason}: ${e.message}`)).toEqual([
        expect.stringMatching(new RegExp(`^RouteSkipped: No route: .*${reason.replace(/[.*"]/g, ".")}`)),
      ]);
    }
    expect(await condition("join-5")).toMatchObject({ status: "False", reason: "RouteCreated" });
    expect(await w.metric("ksyun_route_watcher_runs_total", { result: "failure" })).toBe(0);
    expect(await w.metric("ksyun_route_watcher_nodes_skipped", { kind: "trouble" })).toBe(2);
  }, 240_000);

  it("fixing the bad node routes it", async () => {
    await s.core.deleteNode({ name: "overlap" });
    await s.core.createNode({ body: extraNode("overlap", cidr(3), 3) });
    await waitFor("overlap's route", async () => ((await hasRoute(cidr(3))) ? true : undefined), 5_000);
    await waitFor("overlap's condition", async () =>
      (await condition("overlap"))?.status === "False" ? true : undefined,
    );
    await idle(w);
    expect(Object.keys(await recorded())).toContain("overlap");
  }, 120_000);

  it("a scale-down past the budget while three nodes join: the joins are routed, the deletes withheld", async () => {
    const names = ["ok-1", "ok-2", "join-5", "join-6", "join-7", "overlap"];
    await s.config("maxRouteDeletes", "2");
    // The event path reads the config at each convergence run: join-8's run brings the new limit.
    await s.core.createNode({ body: extraNode("join-8", cidr(8), 8) });
    await waitFor("join-8's route", async () => ((await hasRoute(cidr(8))) ? true : undefined), 10_000);
    await idle(w);
    const routesBefore = await routes();
    await Promise.all(names.slice(0, 4).map((name) => s.core.deleteNode({ name })));
    await Promise.all([9, 10].map((i) => s.core.createNode({ body: extraNode(`join-${i}`, cidr(i), i) })));
    for (const i of [9, 10]) {
      await waitFor(`join-${i}'s route`, async () => ((await hasRoute(cidr(i))) ? true : undefined), 10_000);
    }
    await idle(w);
    // At most two deletes fit the budget; once more are wanted, every further one is withheld and stays.
    const after = await routes();
    const gone = routesBefore.filter((r) => !after.includes(r));
    const withheldCount = await w.metric("ksyun_route_watcher_deletes_withheld");
    expect(gone.length + withheldCount).toBe(4);
    expect(gone.length).toBeLessThanOrEqual(2);
    const withheld = JSON.parse((await s.run(["stack", "output", "withheldDeletes", "--json"])).stdout) as string[];
    expect(withheld).toHaveLength(withheldCount);
    const warnings = await s.core.listNamespacedEvent({ namespace: LEASE_NAMESPACE });
    expect(warnings.items.some((e) => e.reason === "RouteDeletesWithheld" && e.type === "Warning")).toBe(true);

    await s.config("allowMassDeletion", "true");
    await s.core.createNode({ body: extraNode("join-11", cidr(11), 11) }); // a node change: a run re-reads the config
    // "shared" is routed too, once ok-2 (whose instance it shared) is gone.
    const remaining = [3, 4, 7, 8, 9, 10, 11].map((i) => cidr(i)).sort();
    await waitFor(
      "the withheld deletes",
      async () => {
        const left = (await s.control.routes()).map((r) => r.destinationCidrBlock).sort();
        return JSON.stringify(left) === JSON.stringify(remaining) ? true : undefined;
      },
      120_000,
    );
    await idle(w);
    expect(await w.metric("ksyun_route_watcher_deletes_withheld")).toBe(0);
    await s.config("allowMassDeletion", "false");
    await s.ok(["config", "rm", "ksyun-route:maxRouteDeletes"]);
    await stop(w);
  }, 300_000);
});

describe("nothing orphaned", () => {
  afterEach(stopAll);

  it("a leader killed right after an event-path CreateRoute, its node deleted: the next leader removes the route", async () => {
    const foreign = await s.control.addRoute({
      destinationCidrBlock: "172.20.200.0/24",
      instanceId: INSTANCES[5]!,
      routeType: "Host",
      vpcId: VPC,
    });
    // No run for a minute: nothing records the route before the kill.
    const a = await start("killed", ["--debounce", "60s", "--max-wait", "60s"]);
    await s.core.createNode({ body: extraNode("short-lived", cidr(20), 20) });
    await waitFor("its route", async () => ((await hasRoute(cidr(20))) ? true : undefined), 5_000);
    await stop(a, true);
    expect(Object.keys(await recorded())).not.toContain("short-lived");
    await s.core.deleteNode({ name: "short-lived" });

    const b = await start("successor");
    await waitFor("the orphan removed", async () => ((await hasRoute(cidr(20))) ? undefined : true), 60_000);
    await idle(b);
    expect((await s.control.routes()).some((r) => r.routeId === foreign.routeId)).toBe(true);
    await stop(b);
  }, 240_000);

  it("a convergence run killed after its creates, a node deleted: the next leader removes that route only", async () => {
    const a = await start("run-killed");
    const locks = join(s.pulumi.backendDir, ".pulumi", "locks");
    await Promise.all([21, 22].map((i) => s.core.createNode({ body: extraNode(`mid-run-${i}`, cidr(i), i) })));
    await waitFor("a run holding the stack's lock", async () => {
      const files = await readdir(locks, { recursive: true }).catch(() => []);
      return files.some((f) => f.endsWith(".json")) ? true : undefined;
    });
    await stop(a, true); // the watcher and its pulumi
    await s.core.deleteNode({ name: "mid-run-21" });

    const b = await start("after-run");
    await waitFor("mid-run-21's route removed", async () => ((await hasRoute(cidr(21))) ? undefined : true), 60_000);
    await idle(b);
    expect(await hasRoute(cidr(22))).toBe(true);
    const state = await recorded();
    expect(state["mid-run-22"]?.cidr).toBe(cidr(22));
    expect(state["mid-run-21"]).toBeUndefined();
    expect(await s.control.routes()).toContainEqual(
      expect.objectContaining({ destinationCidrBlock: "172.20.200.0/24" }),
    );
    await stop(b);
  }, 240_000);
});

describe("the stack's settings from a mounted ConfigMap", () => {
  afterEach(stopAll);

  it("a changed ksyun-route:maxRouteDeletes in the mounted file is used by the next run, with no rebuild", async () => {
    const file = `Pulumi.${s.stack}.yaml`;
    const settings = load(await readFile(join(repoRoot, file), "utf8")) as { config: Record<string, unknown> };
    const mounted = join(s.pulumi.dir, "stack-config");
    await writeSecretVolume(mounted, { [file]: dump(settings) });
    const w = await start("configmap", ["--config-file", join(mounted, file)]);
    await Promise.all([40, 41].map((i) => s.core.createNode({ body: extraNode(`cm-${i}`, cidr(i), i) })));
    await waitFor("their routes", async () =>
      (await hasRoute(cidr(40))) && (await hasRoute(cidr(41))) ? true : undefined,
    );
    await idle(w);

    // As the kubelet updates a ConfigMap volume; the project's own file keeps the old value.
    settings.config["ksyun-route:maxRouteDeletes"] = "0";
    await writeSecretVolume(mounted, { [file]: dump(settings) });
    await s.core.createNode({ body: extraNode("cm-42", cidr(42), 42) }); // its run reads the settings again
    await waitFor("cm-42's route", async () => ((await hasRoute(cidr(42))) ? true : undefined), 10_000);
    await idle(w);
    await s.core.deleteNode({ name: "cm-40" });
    await waitFor("the delete withheld", async () =>
      (await w.metric("ksyun_route_watcher_deletes_withheld")) === 1 ? true : undefined,
    );
    expect(await hasRoute(cidr(40))).toBe(true);
    expect(await readFile(join(repoRoot, file), "utf8")).not.toContain("maxRouteDeletes");
  }, 240_000);
});

describe("two replicas", () => {
  afterEach(stopAll);

  it("only the leader calls KSYun or runs Pulumi", async () => {
    const leader = await start("leader");
    const follower = await start("follower");
    await s.core.createNode({ body: extraNode("two-replicas", cidr(30), 30) });
    await waitFor("its route", async () => ((await hasRoute(cidr(30))) ? true : undefined), 5_000);
    await idle(leader);
    await delay(1000);
    expect(await leader.metric("ksyun_route_watcher_leader")).toBe(1);
    expect(await leader.metric("ksyun_route_watcher_ksyun_calls_total")).toBeGreaterThan(0);
    expect(await follower.metric("ksyun_route_watcher_leader")).toBe(0);
    expect(await follower.metric("ksyun_route_watcher_ksyun_calls_total")).toBe(0);
    expect(await follower.metric("ksyun_route_watcher_runs_total")).toBe(0);
    await Promise.all([stop(leader), stop(follower)]);
  }, 180_000);
});
