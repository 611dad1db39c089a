// What the watcher's event path did since the last convergence run, handed to that run in a file named by
// KSYUN_ROUTE_HANDOFF: routes it made (the run's create records them without a KSYun call, and the program does not
// check them again), route ids it deleted (the run's delete of one makes no call), and nodes whose route KSYun
// refused. Only the event path's own answers from KSYun go in, so trusting them can neither duplicate nor orphan
// a route. With a handoff the run only records: its create makes no new route (see RouteProvider), since every
// route the watcher makes must be in its ledger first. A scope names the nodes whose routes the run declares:
// the watcher targets just those, so a run's work follows what changed, not the size of the cluster.
import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { KSYUN_ID } from "./ids.ts";

export const HANDOFF_ENV = "KSYUN_ROUTE_HANDOFF";

export interface HandoffRoute {
  readonly routeId: string;
  readonly destinationCidrBlock: string;
  readonly instanceId: string;
}

export interface Handoff {
  readonly vpcId: string;
  readonly created: readonly HandoffRoute[];
  readonly deleted: readonly string[];
  /** Nodes whose route KSYun refused on the event path (node → why): the run does not try them again. */
  readonly trouble: Readonly<Record<string, string>>;
  /** Nodes whose routes the run declares; the state's other routes stay as recorded. Absent: every node. */
  readonly scope?: readonly string[];
}

const isRoute = (r: unknown): r is HandoffRoute => {
  const route = r as Partial<HandoffRoute> | null;
  return (
    typeof route?.routeId === "string" &&
    typeof route.destinationCidrBlock === "string" &&
    typeof route.instanceId === "string" &&
    KSYUN_ID.test(route.instanceId)
  );
};

/** The handoff of the run this process belongs to, if the watcher gave one. */
export function readHandoff(env: Readonly<Record<string, string | undefined>> = process.env): Handoff | undefined {
  const path = env[HANDOFF_ENV];
  if (!path) return undefined;
  const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<Handoff>;
  if (
    typeof parsed.vpcId !== "string" ||
    !Array.isArray(parsed.created) ||
    !parsed.created.every(isRoute) ||
    !Array.isArray(parsed.deleted) ||
    !parsed.deleted.every((id) => typeof id === "string") ||
    typeof parsed.trouble !== "object" ||
    parsed.trouble === null ||
    !Object.values(parsed.trouble).every((why) => typeof why === "string") ||
    (parsed.scope !== undefined && !(Array.isArray(parsed.scope) && parsed.scope.every((n) => typeof n === "string")))
  ) {
    throw new Error(`${HANDOFF_ENV} ${path} is not a handoff file`);
  }
  return parsed as Handoff;
}

/** Replaces the file whole, so a run starting meanwhile reads the old or the new one, never half of one. */
export async function writeHandoff(path: string, handoff: Handoff): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(handoff));
  await rename(`${path}.tmp`, path);
}
