// The route provider under failure and at scale, through the real Pulumi CLI against the emulator (issue: dynamic
// provider, the remaining "done when" items): a SIGKILLed `up`, injected 5xx and throttling, lost create answers,
// and the cost of refreshing 1,000 routes.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_PAGE_SIZE } from "../../providers/ksyun-route/client/query.ts";
import type { EmulatedRoute } from "../../testenv/emulator-control.ts";
import {
  countByDestination,
  fixtureDestination,
  fixtureNextHop,
  INSTANCES,
  routeStack,
  VPC,
  type RouteStack,
} from "./route-stack.ts";

let stack: RouteStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const ROUTE_TYPE = "pulumi-nodejs:dynamic/ksyun:VpcRoute";
const UP = ["up", "--yes", "--skip-preview", "--parallel", "32"];
// Several hundred resources through the CLI on 2 shared cores: far beyond the suite's default 120 s when busy.
const SLOW = 300_000;

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
interface Deployment {
  resources?: StateResource[];
  pending_operations?: unknown[];
}

async function deployment(s: RouteStack): Promise<Deployment> {
  return (JSON.parse(await s.stateText()) as { checkpoint: { latest?: Deployment } }).checkpoint.latest ?? {};
}

const routesIn = (d: Deployment) => (d.resources ?? []).filter((r) => r.type === ROUTE_TYPE);

/**
 * The emulator holds exactly `count` routes besides the `foreign` ones (unchanged), one per destination with the
 * fixture's next hop, and they are exactly the routes in the state: same RouteIds, same destinations, no pending
 * operation left. Nothing orphaned, nothing created twice.
 */
async function expectConverged(s: RouteStack, count: number, foreign: EmulatedRoute[] = []): Promise<void> {
  const all = await s.control.routes();
  const foreignIds = new Set(foreign.map((r) => r.routeId));
  expect(all.filter((r) => foreignIds.has(r.routeId))).toEqual(foreign);
  const routes = all.filter((r) => !foreignIds.has(r.routeId));
  expect(routes).toHaveLength(count);
  expect(Math.max(...countByDestination(routes).values())).toBe(1);
  for (const route of routes) expect(route.instanceId).toBe(fixtureNextHop(route.destinationCidrBlock));
  const state = await deployment(s);
  const recorded = routesIn(state);
  expect(new Set(recorded.map((r) => r.urn)).size).toBe(count);
  const pairs = (list: [unknown, unknown][]) => list.map((pair) => pair.join(" ")).sort();
  expect(pairs(recorded.map((r) => [r.id, r.outputs?.destinationCidrBlock]))).toEqual(
    pairs(routes.map((r) => [r.routeId, r.destinationCidrBlock])),
  );
  expect(state.pending_operations ?? []).toEqual([]);
}

/**
 * `up` of 200 routes with `env`, SIGKILLed with its whole process group as soon as the emulator holds 50 routes.
 * CreateRoute answers 200 ms after the route exists: the kill always catches creates that KSYun has done and the
 * state does not know of yet, which is the case that could leave duplicates or orphans. Returns the routes the
 * emulator holds at the kill.
 */
async function killedMidCreate(s: RouteStack, env: Record<string, string> = {}): Promise<EmulatedRoute[]> {
  await s.config("fixture:count", "200");
  await s.config("ksyun-route:qps", "1000");
  await s.control.faults({ CreateRoute: { latencyMs: 200 } });
  let running = true;
  let polling: Promise<void> = Promise.resolve();
  const killed = await s.run(UP, {
    env,
    onStarted: (kill) => {
      polling = (async () => {
        while (running) {
          if ((await s.control.routes()).length >= 50) return kill();
          await delay(20);
        }
      })();
    },
  });
  running = false;
  await polling;
  expect(killed.code).toBe("SIGKILL");
  await s.control.faults({});
  const atKill = await s.control.routes();
  expect(atKill.length).toBeGreaterThanOrEqual(50);
  expect(atKill.length).toBeLessThan(200);
  return atKill;
}

/** The killed run still holds the stack's lock, so every update fails until `pulumi cancel` removes it. */
async function cancelLeftLock(s: RouteStack, env: Record<string, string> = {}): Promise<void> {
  const locked = await s.run(UP, { env });
  expect(locked.code).not.toBe(0);
  expect(locked.stderr).toMatch(/currently locked/);
  await s.ok(["cancel", "--yes"]);
}

/**
 * After the recovering `up`: converged, no error, a CreateRoute for each route the killed run had not made, and
 * exactly `adoptedIds` adopted.
 */
async function expectRecovered(s: RouteStack, atKill: EmulatedRoute[], adoptedIds: string[]): Promise<void> {
  await expectConverged(s, 200);
  const { calls, errors } = await s.control.stats();
  expect(errors).toEqual({});
  expect(calls.CreateRoute).toBe(200 - atKill.length);
  const adopted = routesIn(await deployment(s)).filter((r) => r.outputs?.adopted === true);
  expect(adopted.map((r) => r.id).sort()).toEqual([...adoptedIds].sort());
}

describe("VpcRoute reliability and cost with the real Pulumi CLI", () => {
  it(
    "converges after a SIGKILLed up of 200 routes: every route exactly once, the interrupted creates adopted",
    async () => {
      stack = await routeStack();
      const s = stack;
      const atKill = await killedMidCreate(s);
      const interrupted = await deployment(s);
      const recorded = new Set(routesIn(interrupted).map((r) => r.id));
      const orphans = atKill.filter((r) => !recorded.has(r.routeId)).map((r) => r.routeId);
      expect(orphans.length).toBeGreaterThan(0);
      expect(interrupted.pending_operations?.length).toBeGreaterThan(0);

      // What a user does afterwards (Pulumi 3.274, --non-interactive, file backend):
      // 1. `pulumi cancel`.
      await cancelLeftLock(s);
      // 2. `pulumi up` alone would succeed, but only warns "Attempting to deploy or update resources with N pending
      //    operations" and keeps the pending creates in the state for good. Only a refresh resolves them, and
      //    non-interactively only with --clear-pending-creates (--import-pending-creates needs the ids of creates
      //    whose answers were lost). Clearing is safe because create adopts an identical existing host route.
      await s.ok(["refresh", "--clear-pending-creates", "--yes", "--skip-preview"]);
      // 3. `pulumi up`.
      await s.control.reset(true);
      await s.ok(UP);

      await expectRecovered(s, atKill, orphans);
    },
    SLOW,
  );

  it(
    "converges after a SIGKILLed up of 200 routes run without checkpoints: nothing in the state, every route adopted",
    async () => {
      // `npm run pulumi -- up` skips the per-step checkpoints by default, as the watcher's runs do (docs/reliability.md).
      stack = await routeStack();
      const s = stack;
      const unchecked = { PULUMI_SKIP_CHECKPOINTS: "true" };
      const atKill = await killedMidCreate(s, unchecked);

      // Without checkpoints the killed run wrote nothing: no route and no pending operation in the state.
      const interrupted = await deployment(s);
      expect(routesIn(interrupted)).toEqual([]);
      expect(interrupted.pending_operations ?? []).toEqual([]);

      // Recovery: `pulumi cancel` (the lock is left, as with checkpoints), then one `up` adopts every route the
      // killed run made.
      await cancelLeftLock(s, unchecked);
      await s.control.reset(true);
      await s.ok(UP, unchecked);

      await expectRecovered(
        s,
        atKill,
        atKill.map((r) => r.routeId),
      );
    },
    SLOW,
  );

  it(
    "converges in one up of 500 routes, and destroys them, under 20 % 5xx, throttling bursts, resets and 500 ms latency",
    async () => {
      stack = await routeStack();
      const s = stack;
      await s.config("fixture:count", "500");
      await s.config("ksyun-route:qps", "1000");
      // Another cluster's host route, a manual one and the default route: no operation may touch them.
      const foreign = [
        await s.control.addRoute({
          vpcId: VPC,
          destinationCidrBlock: "172.31.0.0/24",
          routeType: "Host",
          instanceId: INSTANCES[0],
        }),
        await s.control.addRoute({
          vpcId: VPC,
          destinationCidrBlock: "192.168.7.0/24",
          routeType: "Host",
          instanceId: INSTANCES[1],
        }),
        await s.control.addRoute({ vpcId: VPC, destinationCidrBlock: "0.0.0.0/0", routeType: "InternetGateway" }),
      ];
      // On every call 20 % 5xx, 5 % connection resets and 500 ms latency; the route calls, which run 32 at a time,
      // also start with a burst of 40 throttled answers and keep 5 % throttling.
      const everyCall = { error5xxRate: 0.2, resetRate: 0.05, latencyMs: 500 };
      const routeCall = { ...everyCall, throttleBurst: 40, throttleRate: 0.05 };
      const faults = { "*": everyCall, CreateRoute: routeCall, DeleteRoute: routeCall };
      await s.control.faults(faults);
      await s.ok(UP);
      const { calls, errors, faultsInjected } = await s.control.stats();
      await s.control.faults({});

      await expectConverged(s, 500, foreign);
      const injected = faultsInjected.CreateRoute ?? {};
      for (const kind of ["error5xx", "throttle", "reset", "latency"]) expect(injected[kind]).toBeGreaterThan(0);
      expect(Object.values(faultsInjected.DescribeRoutes ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      // Every CreateRoute call either created its route or was an injected fault; never a duplicate destination
      // or any other error. A reset answer is recovered by looking the destination up, never by creating again.
      expect(
        Object.keys(errors.CreateRoute ?? {}).filter(
          (code) => !/^(INTERNAL_FAILURE|ServiceUnavailable|Throttling)$/.test(code),
        ),
      ).toEqual([]);
      expect(calls.CreateRoute).toBe(500 + (injected.error5xx ?? 0) + (injected.throttle ?? 0));
      expect(injected.throttle).toBeGreaterThanOrEqual(40);

      await s.control.faults(faults);
      await s.ok(["destroy", "--yes", "--skip-preview", "--parallel", "32"]);
      expect((await s.control.stats()).faultsInjected.DeleteRoute?.reset).toBeGreaterThan(0);
      await s.control.faults({});
      expect(await s.control.routes()).toEqual(foreign);
    },
    2 * SLOW,
  );

  it(
    "leaves no duplicate when KSYun creates the route but the answer is lost (connection reset)",
    async () => {
      stack = await routeStack();
      const s = stack;
      await s.config("fixture:count", "20");
      await s.control.faults({ CreateRoute: { resetRate: 1 } });
      await s.ok(UP);
      const first = await s.control.stats();
      await s.control.faults({});
      expect(first.faultsInjected.CreateRoute).toEqual({ reset: 20 });
      // Each lost answer was recovered by looking the destination up, never by sending the create again.
      expect(first.calls.CreateRoute).toBe(20);

      await s.control.reset(true);
      await s.ok([...UP, "--refresh"]);
      expect((await s.control.stats()).calls.CreateRoute ?? 0).toBe(0);
      await expectConverged(s, 20);
    },
    SLOW,
  );

  const ROUTES = 1000;
  const maxDescribeRoutes = Math.ceil(ROUTES / DEFAULT_PAGE_SIZE) + 2;
  it(
    `refreshes ${ROUTES} routes with at most ${maxDescribeRoutes} DescribeRoutes calls`,
    async () => {
      stack = await routeStack({ routeQuota: ROUTES });
      const s = stack;
      // Creating 1,000 routes through `up` takes minutes on 2 cores (measured 6 min, busy), and the cost under
      // test is the refresh's. So one route goes through `up` and a refresh, and the other 999 are that route's
      // state entry cloned onto routes made through the control API, and brought in with `pulumi stack import`.
      await s.config("fixture:count", "1");
      await s.ok(UP);
      await s.ok(["refresh", "--yes", "--skip-preview"]);
      const file = join(s.pulumi.dir, "deployment.json");
      await s.ok(["stack", "export", "--file", file]);
      const exported = JSON.parse(await readFile(file, "utf8")) as { deployment: Deployment };
      const resources = exported.deployment.resources ?? [];
      const template = resources.find((r) => r.type === ROUTE_TYPE && r.urn.endsWith("::route-0"));
      if (!template?.inputs || !template.outputs) throw new Error(`no route-0 in the exported state: ${file}`);

      const made: EmulatedRoute[] = [];
      for (let i = 1; i < ROUTES; i += 50) {
        const batch = Array.from({ length: Math.min(50, ROUTES - i) }, (_, j) => i + j);
        made.push(
          ...(await Promise.all(
            batch.map((n) =>
              s.control.addRoute({
                vpcId: VPC,
                destinationCidrBlock: fixtureDestination(n),
                routeType: "Host",
                instanceId: INSTANCES[n % INSTANCES.length],
              }),
            ),
          )),
        );
      }
      made.forEach((route, index) => {
        const n = index + 1;
        const clone = structuredClone(template);
        clone.urn = template.urn.replace(/::route-0$/, `::route-${n}`);
        clone.id = route.routeId;
        for (const props of [clone.inputs!, clone.outputs!]) {
          props.destinationCidrBlock = route.destinationCidrBlock;
          props.instanceId = route.instanceId;
          props.description = `e2e route ${n}`;
        }
        Object.assign(clone.outputs!, {
          routeId: route.routeId,
          nextHop: route.instanceId,
          createTime: route.createTime,
        });
        resources.push(clone);
      });
      await writeFile(file, JSON.stringify(exported));
      await s.ok(["stack", "import", "--file", file]);
      await expectConverged(s, ROUTES);

      await s.control.reset(true);
      await s.ok(["refresh", "--yes", "--skip-preview", "--expect-no-changes", "--parallel", "32"]);
      const { calls } = await s.control.stats();
      expect(calls.DescribeRoutes).toBeLessThanOrEqual(maxDescribeRoutes);
      expect(calls.DescribeRoutes).toBeGreaterThanOrEqual(ROUTES / DEFAULT_PAGE_SIZE);
      expect(Object.keys(calls).sort()).toEqual(["DescribeRoutes", "DescribeVpcs"]);

      // A route deleted out of band is dropped by the next refresh, still from one listing.
      await s.control.deleteRoute(made[500]!.routeId);
      await s.control.reset(true);
      await s.ok(["refresh", "--yes", "--skip-preview", "--parallel", "32"]);
      expect((await s.control.stats()).calls.DescribeRoutes).toBeLessThanOrEqual(maxDescribeRoutes);
      await expectConverged(s, ROUTES - 1);
    },
    SLOW,
  );
});
