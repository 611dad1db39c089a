// `npm run status` end to end: the real CLI process against a real API server, the emulator and a stack updated by
// the real program. Each step makes one more state happen out of band, so the last table shows all six.
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSession, tail } from "../../testenv/processes.ts";
import { repoRoot, runtimeToolsDir } from "../../scripts/tools.ts";
import type { StatusDocument } from "../../status/format.ts";
import type { StatusRow } from "../../status/status.ts";
import { createNodes, INSTANCES, node, programStack, THREE_NODES, VPC, type ProgramStack } from "./program-stack.ts";

let s: ProgramStack;
beforeAll(async () => {
  s = await programStack();
  await createNodes(s, THREE_NODES);
  await s.ok(["up", "--yes", "--skip-preview"]);
}, 300_000);
afterAll(() => s?.close());

interface StatusRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

async function status(...args: string[]): Promise<StatusRun> {
  const proc = spawnSession(join(repoRoot, "node_modules/.bin/node"), ["status/main.ts", ...args], {
    cwd: repoRoot,
    env: { ...s.pulumi.env, KUBECONFIG: s.kube.kubeconfigPath, KSYUN_ROUTE_TOOLS_DIR: runtimeToolsDir() },
  });
  const stdout = tail(proc.child.stdout, 1024 * 1024);
  const stderr = tail(proc.child.stderr, 1024 * 1024);
  const code = await proc.exited;
  return { code, stdout: stdout(), stderr: stderr() };
}

async function statusJson(): Promise<{ code: number | string; doc: StatusDocument; rows: string[] }> {
  const run = await status("--stack", s.stack, "--json");
  let doc: StatusDocument;
  try {
    doc = JSON.parse(run.stdout) as StatusDocument;
  } catch {
    throw new Error(`status printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  const rows = doc.rows.map((r) => `${r.state} ${r.node ?? "-"} ${r.destination ?? "-"}`);
  return { code: run.code, doc, rows };
}

const routeTo = async (destination: string) => {
  const route = (await s.control.routes()).find((r) => r.destinationCidrBlock === destination);
  if (!route) throw new Error(`no route for ${destination}`);
  return route;
};
const row = (rows: readonly StatusRow[], state: string, key: string) =>
  rows.find((r) => r.state === state && (r.node === key || r.destination === key));

describe("npm run status against a real API server and the emulator", () => {
  it("after up, every node is ok and the exit code is 0", async () => {
    const { code, doc, rows } = await statusJson();
    expect(rows).toEqual(["ok node-a 172.20.1.0/24", "ok node-b 172.20.2.0/24", "ok node-c 172.20.3.0/24"]);
    expect(doc).toMatchObject({ stack: s.stack, vpcId: VPC, clusterUuid: "e2e-cluster", nodes: 3, ok: true });
    expect(doc.rows.every((r) => r.managed === true)).toBe(true);
    expect(row(doc.rows, "ok", "node-a")).toMatchObject({ wantedNextHop: INSTANCES[0], nextHop: INSTANCES[0] });
    expect(code).toBe(0);
  });

  it("foreign routes and a skipped node are shown but do not fail", async () => {
    await s.control.addRoute({
      vpcId: VPC,
      destinationCidrBlock: "192.168.50.0/24",
      routeType: "Host",
      instanceId: INSTANCES[4],
    });
    await s.control.addRoute({ vpcId: VPC, destinationCidrBlock: "0.0.0.0/0", routeType: "InternetGateway" });
    await s.core.createNode({
      body: node("node-x", "172.20.9.0/24", 3, {
        metadata: { name: "node-x", labels: { "service.ksyun.com/exclude-node": "true" } },
      }),
    });
    const { code, doc, rows } = await statusJson();
    expect(rows).toEqual([
      "ok node-a 172.20.1.0/24",
      "ok node-b 172.20.2.0/24",
      "ok node-c 172.20.3.0/24",
      "skipped node-x -",
      "foreign - 0.0.0.0/0",
      "foreign - 192.168.50.0/24",
    ]);
    expect(row(doc.rows, "skipped", "node-x")?.detail).toBe("excluded by label service.ksyun.com/exclude-node");
    expect(row(doc.rows, "foreign", "0.0.0.0/0")).toMatchObject({ routeType: "InternetGateway", managed: false });
    expect(doc.ok).toBe(true);
    expect(code).toBe(0);
  });

  it("a route deleted out of band is missing, and the exit code is 1", async () => {
    await s.control.deleteRoute((await routeTo("172.20.1.0/24")).routeId);
    const { code, doc } = await statusJson();
    const missing = row(doc.rows, "missing", "node-a");
    expect(missing).toMatchObject({ destination: "172.20.1.0/24", wantedNextHop: INSTANCES[0] });
    expect(missing?.routeId).toBeUndefined();
    expect(doc.counts).toMatchObject({ ok: 2, missing: 1 });
    expect(doc.ok).toBe(false);
    expect(code).toBe(1);
  });

  it("a next hop changed out of band is wrong-next-hop", async () => {
    const route = await routeTo("172.20.2.0/24");
    await s.control.setNextHop(route.routeId, INSTANCES[5]!);
    const { code, doc } = await statusJson();
    expect(row(doc.rows, "wrong-next-hop", "node-b")).toMatchObject({
      routeId: route.routeId,
      wantedNextHop: INSTANCES[1],
      nextHop: INSTANCES[5],
      managed: true,
    });
    expect(code).toBe(1);
  });

  it("a node deleted without an update leaves an extra route; the table shows all six states", async () => {
    const routeC = await routeTo("172.20.3.0/24");
    await s.core.deleteNode({ name: "node-c" });
    const { code, doc, rows } = await statusJson();
    expect(rows).toEqual([
      "missing node-a 172.20.1.0/24",
      "wrong-next-hop node-b 172.20.2.0/24",
      "skipped node-x -",
      "extra - 172.20.3.0/24",
      "foreign - 0.0.0.0/0",
      "foreign - 192.168.50.0/24",
    ]);
    expect(row(doc.rows, "extra", "172.20.3.0/24")).toMatchObject({ routeId: routeC.routeId, managed: true });
    expect(doc.counts).toEqual({ ok: 0, missing: 1, "wrong-next-hop": 1, extra: 1, foreign: 2, skipped: 1 });
    expect(code).toBe(1);

    const table = await status("--stack", s.stack);
    expect(table.code).toBe(1);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toBe(`stack ${s.stack}: VPC ${VPC}, cluster e2e-cluster; 3 nodes, 4 VPC routes`);
    expect(lines.slice(3, 9).map((l) => l.split(/\s+/)[0])).toEqual([
      "missing",
      "wrong-next-hop",
      "skipped",
      "extra",
      "foreign",
      "foreign",
    ]);
    expect(lines.at(-1)).toMatch(/^1 missing, 1 wrong-next-hop, 1 extra, 2 foreign, 1 skipped: NOT OK/);
  });

  it("pulumi up repairs what it manages: only skipped and foreign rows remain, exit code 0", async () => {
    await s.ok(["up", "--yes", "--skip-preview", "--refresh"]);
    const { code, rows } = await statusJson();
    expect(rows).toEqual([
      "ok node-a 172.20.1.0/24",
      "ok node-b 172.20.2.0/24",
      "skipped node-x -",
      "foreign - 0.0.0.0/0",
      "foreign - 192.168.50.0/24",
    ]);
    expect(code).toBe(0);
  }, 300_000);

  it("an unknown stack is an error: exit code 2, nothing on stdout", async () => {
    const run = await status("--stack", "no-such-stack", "--json");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toBe("[status] pulumi error: no stack named 'no-such-stack' found");
  });

  it("never changes the cluster or the VPC", async () => {
    const before = await s.control.routes();
    await s.control.reset(true);
    await statusJson();
    const calls = (await s.control.stats()).calls;
    expect(Object.keys(calls).filter((action) => !action.startsWith("Describe"))).toEqual([]);
    expect(await s.control.routes()).toEqual(before);
    const nodes = await s.kube.kubeConfig.makeApiClient(k8s.CoreV1Api).listNode();
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual(["node-a", "node-b", "node-x"]);
  });
});
