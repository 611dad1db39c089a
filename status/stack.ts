// The stack's side of the status view, read through the Automation API the way `pulumi` itself reads it:
// the stack config (secrets decrypted with the stack's secrets provider, e.g. PULUMI_CONFIG_PASSPHRASE) and the
// stack outputs. Every call passes --stack, so the workspace's selected stack is left alone.
import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { outputsOf, type StackOutputs } from "../program/contract.ts";

export interface StackState {
  readonly stack: string;
  /** Full keys ("ksyun-route:podCidr") to plain values, as pulumi.runtime.allConfig() gives them to the program. */
  readonly config: Record<string, string>;
  /** The outputs of the last update: the routes the stack manages now (none before the first update). */
  readonly outputs: StackOutputs;
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
  return { stack: name, config, outputs: outputsOf(await ws.stackOutputs(name)) };
}

export function managedRouteIds(routes: StackOutputs["routes"]): Set<string> {
  return new Set(Object.values(routes).flatMap((r) => (r.routeId ? [r.routeId] : [])));
}
