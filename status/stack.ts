// The stack's side of the status view, read through the Automation API the way `pulumi` itself reads it:
// the stack config (secrets decrypted with the stack's secrets provider, e.g. PULUMI_CONFIG_PASSPHRASE) and the
// stack outputs. Every call passes --stack, so the workspace's selected stack is left alone.
import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import type { ManagedRoute } from "../program/plan.ts";
import type { RouteOutputs } from "../program/previous.ts";

export interface StackState {
  readonly stack: string;
  /** Full keys ("ksyun-route:podCidr") to plain values, as pulumi.runtime.allConfig() gives them to the program. */
  readonly config: Record<string, string>;
  /** The `routes` output of the last update: what the stack manages now (empty before the first update). */
  readonly routes: RouteOutputs;
}

/**
 * The CLI's own "error: …" lines of a failed Automation API call (its message also repeats the command, stdout and
 * the error again); the whole message when there are none.
 */
export function cliErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = [...new Set(message.split("\n").filter((line) => line.startsWith("error: ")))];
  return lines.length ? `pulumi ${lines.join("; ")}` : message;
}

/** Reads the stack's config and outputs; `stack` undefined = the workspace's selected stack. */
export async function readStack(workDir: string, stack: string | undefined): Promise<StackState> {
  try {
    return await read(workDir, stack);
  } catch (error) {
    throw new Error(cliErrorMessage(error), { cause: error });
  }
}

async function read(workDir: string, stack: string | undefined): Promise<StackState> {
  const ws = await LocalWorkspace.create({ workDir });
  const name = stack ?? (await ws.stack())?.name;
  if (!name) throw new Error("no stack selected: pass --stack <name> (see `npm run pulumi -- stack ls`)");
  const config = Object.fromEntries(
    Object.entries(await ws.getAllConfig(name)).map(([key, { value }]) => [key, value]),
  );
  const outputs = await ws.stackOutputs(name);
  return { stack: name, config, routes: (outputs.routes?.value as RouteOutputs | undefined) ?? {} };
}

/** The stack's routes as the planner's `current` (what program/previous.ts reads inside a run). */
export function managedRoutes(routes: RouteOutputs): ManagedRoute[] {
  return Object.entries(routes).map(([nodeName, r]) => ({
    nodeName,
    destinationCidrBlock: r.cidr,
    instanceId: r.instanceId,
  }));
}

export function managedRouteIds(routes: RouteOutputs): Set<string> {
  return new Set(Object.values(routes).flatMap((r) => (r.routeId ? [r.routeId] : [])));
}
