// The watcher's Pulumi runs: the real CLI (from PATH) on the repository's program and the configured stack, in the
// routes-only scope (KSYUN_ROUTE_SCOPE=routes makes the program declare only its routes, and the targets keep the
// engine away from everything else in the state). The CLI is run directly rather than through the Automation API:
// that SDK loads Pulumi's runtime and gRPC into the long-lived watcher (~55 MiB), for what three subcommands and
// the engine's event log (--event-log, the same stream the Automation API reads) give as well.
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { load } from "js-yaml";
import { outputsOf, routeResourceName, VPC_ROUTE_TYPE, type StackOutputs } from "../program/contract.ts";

export interface UpResult {
  readonly outputs: StackOutputs;
  /** Resources created, updated, replaced or deleted. */
  readonly changes: number;
}

/** Summary ops that changed something ("same", "read" and "refresh" did not). */
const CHANGES = ["create", "update", "replace", "delete"] as const;

export interface RunnerOptions {
  readonly stack: string;
  readonly workDir: string;
  /** Passed to every command as --config-file; undefined: Pulumi.<stack>.yaml in workDir. */
  readonly configFile?: string | undefined;
  /** Extra environment of the CLI and the program, on top of this process's. */
  readonly env: Readonly<Record<string, string>>;
}

/** Another update holds the stack's lock; `holders` as the DIY backend names them. */
export class ConcurrentUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConcurrentUpdateError";
  }
}

export function isConcurrentUpdate(error: unknown): error is ConcurrentUpdateError {
  return error instanceof ConcurrentUpdateError;
}

/**
 * The VpcRoutes (all, or the routes of the `scope` nodes) and the program's StackReference to its own previous
 * outputs; nothing else. A scoped node's target is a glob that matches its route's URN alone (`:*:` can only
 * match the `::` after the stack name): the engine fails a run whose literal target is neither in the state nor
 * declared (pkg/resource/deploy/deployment_executor.go, checkTargets), and a route the watcher scoped may be one
 * the program no longer declares, or a create the state does not hold yet when `--refresh` checks the targets.
 */
export function routeTargets(stack: string, project: string, scope?: readonly string[]): string[] {
  const name = stack.slice(stack.lastIndexOf("/") + 1);
  const prefix = `urn:pulumi:${name}::${project}::`;
  const routes = scope
    ? scope.map((node) => `urn:pulumi:${name}:*:${project}::${VPC_ROUTE_TYPE}::${routeResourceName(node)}`)
    : [`${prefix}${VPC_ROUTE_TYPE}::*`];
  return [...routes, `${prefix}pulumi:pulumi:StackReference::*`];
}

/** The `error:` lines of a failed CLI run, short enough for a log line (the CLI masks secret values). */
export function errorSummary(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const found = text.split("\n").flatMap((line) => {
    const at = line.search(/\berror:/i);
    return at < 0 ? [] : [line.slice(at).trim()];
  });
  const lines = [...new Set(found)];
  return (lines.length ? lines.slice(0, 5).join(" | ") : text.trim().split("\n")[0]!).slice(0, 1000);
}

/** A CLI command's output; a non-zero exit rejects with its stderr (or ConcurrentUpdateError for a held lock). */
function pulumi(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal }) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive", "--color=never"], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // SIGINT: the CLI cancels the update gracefully and releases the stack's lock.
    const abort = () => child.kill("SIGINT");
    options.signal?.addEventListener("abort", abort, { once: true });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-64 * 1024)));
    child.on("error", reject);
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", abort);
      if (code === 0) return resolve(stdout);
      const message = `pulumi ${args[0]} exited with ${code}:\n${stderr || stdout.slice(-16 * 1024)}`;
      reject(
        /the stack is currently locked by|\[409\] Conflict/.test(message)
          ? new ConcurrentUpdateError(message)
          : new Error(message),
      );
    });
  });
}

/** Feeds the engine's events to `onEvent` line by line (no whole log in memory); the summary's count of changes. */
async function readEvents(path: string, onEvent: (event: EngineEvent) => void): Promise<number> {
  let changes = 0;
  try {
    for await (const line of createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })) {
      if (line.trim() === "") continue;
      const event = JSON.parse(line) as EngineEvent;
      const ops = event.summaryEvent?.resourceChanges;
      if (ops) changes = CHANGES.reduce((sum, op) => sum + (ops[op] ?? 0), 0);
      onEvent(event);
    }
  } catch (error) {
    // A CLI that failed before the engine started writes no log: no events, no changes.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return changes;
}

export class StackRunner {
  readonly #options: RunnerOptions;
  #project: Promise<string> | undefined;

  constructor(options: RunnerOptions) {
    this.#options = options;
  }

  /** `pulumi up` of the routes (of `scope`'s nodes only, if given); `env` adds to the run's environment (the handoff). */
  async up(options: {
    refresh: boolean;
    scope?: readonly string[] | undefined;
    signal: AbortSignal;
    onEvent: (event: EngineEvent) => void;
    env?: Readonly<Record<string, string>>;
  }): Promise<UpResult> {
    const dir = await mkdtemp(join(tmpdir(), "ksyun-route-run-"));
    const eventLog = join(dir, "events.json");
    try {
      const targets = routeTargets(this.#options.stack, await this.#projectName(), options.scope);
      const ran = this.#run(
        [
          "up",
          "--yes",
          "--skip-preview",
          "--target-dependents=false",
          // One route's failure must not stop the others from being recorded.
          "--continue-on-error",
          "--event-log",
          eventLog,
          ...targets.flatMap((t) => ["--target", t]),
          ...(options.refresh ? ["--refresh"] : []),
        ],
        options,
      );
      const failure = await ran.then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
      const changes = await readEvents(eventLog, options.onEvent);
      if (failure) throw failure.error;
      return { outputs: await this.outputs(), changes };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The outputs (none of them secret), without --show-secrets: that may write a stack file into the project. */
  async outputs(): Promise<StackOutputs> {
    const json = JSON.parse((await this.#run(["stack", "output", "--json"], {})) || "{}");
    return outputsOf(Object.fromEntries(Object.entries(json as object).map(([key, value]) => [key, { value }])));
  }

  /** The stack's configuration, secrets decrypted, keys namespaced ("ksyun-route:podCidr"). */
  async config(): Promise<Record<string, string>> {
    const file = this.#options.configFile;
    const json = JSON.parse(
      await this.#run(["config", "--json", "--show-secrets", ...(file ? ["--config-file", file] : [])], {}),
    ) as Record<string, { value?: string }>;
    return Object.fromEntries(Object.entries(json).map(([key, { value }]) => [key, value ?? ""]));
  }

  /** `pulumi cancel`: removes the stack's locks. */
  async cancel(): Promise<void> {
    await this.#run(["cancel", "--yes"], {});
  }

  #run(args: string[], options: { signal?: AbortSignal; env?: Readonly<Record<string, string>> }) {
    const { stack, workDir, configFile, env } = this.#options;
    const withConfig = args[0] === "up" && configFile ? ["--config-file", configFile] : [];
    return pulumi([...args, ...withConfig, "--stack", stack], {
      cwd: workDir,
      // --event-log is one of the CLI's debug commands, as the Automation API runs it. GOGC=50: the CLI's and the
      // language host's peaks 10% lower (125 against 137 MiB at 200 routes), for a little more of their CPU.
      env: { ...process.env, GOGC: process.env.GOGC ?? "50", PULUMI_DEBUG_COMMANDS: "true", ...env, ...options.env },
      ...(options.signal && { signal: options.signal }),
    });
  }

  #projectName(): Promise<string> {
    this.#project ??= readFile(join(this.#options.workDir, "Pulumi.yaml"), "utf8").then(
      (text) => (load(text) as { name: string }).name,
    );
    return this.#project;
  }
}
