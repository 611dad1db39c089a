// Runs the program (a local program: the repository's Pulumi.yaml, through the language host) on the configured
// stack with the Automation API, in the routes-only scope: KSYUN_ROUTE_SCOPE=routes makes the program declare only
// its routes, and the targets keep the engine away from everything else in the state, so the manifests there are
// neither refreshed, updated nor deleted, and a run needs no Kubernetes rights beyond reading Nodes.
import {
  ConcurrentUpdateError,
  LocalWorkspace,
  PulumiCommand,
  type EngineEvent,
  type OutputMap,
  type Stack,
} from "@pulumi/pulumi/automation/index.js";
import type { RouteOutputs } from "../program/previous.ts";
import { ROUTE_TYPE } from "./engine-events.ts";

export interface StackOutputs {
  readonly routes: RouteOutputs;
  /** Node name → why it has no route. */
  readonly skippedNodes: Record<string, string>;
}

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
  /** Passed to every run as --config-file; undefined: Pulumi.<stack>.yaml in workDir. */
  readonly configFile?: string | undefined;
  /** Extra environment of the CLI and the program, on top of this process's. */
  readonly env: Record<string, string>;
}

/** The VpcRoutes and the program's StackReference to its own previous outputs; nothing else. */
export function routeTargets(stack: string, project: string): string[] {
  const prefix = `urn:pulumi:${stack.slice(stack.lastIndexOf("/") + 1)}::${project}::`;
  return [`${prefix}${ROUTE_TYPE}::*`, `${prefix}pulumi:pulumi:StackReference::*`];
}

export function outputsOf(map: OutputMap): StackOutputs {
  return {
    routes: (map.routes?.value ?? {}) as RouteOutputs,
    skippedNodes: (map.skippedNodes?.value ?? {}) as Record<string, string>,
  };
}

export function isConcurrentUpdate(error: unknown): error is ConcurrentUpdateError {
  return error instanceof ConcurrentUpdateError;
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

export class StackRunner {
  readonly #options: RunnerOptions;
  #opened: Promise<{ stack: Stack; targets: string[] }> | undefined;

  constructor(options: RunnerOptions) {
    this.#options = options;
  }

  async up(options: {
    refresh: boolean;
    signal: AbortSignal;
    onEvent: (event: EngineEvent) => void;
  }): Promise<UpResult> {
    const { stack, targets } = await this.#open();
    const result = await stack.up({
      refresh: options.refresh,
      target: targets,
      targetDependents: false,
      ...(this.#options.configFile && { configFile: this.#options.configFile }),
      // Else the Automation API reads the summary with `stack history --show-secrets`, which takes no
      // --config-file and writes a Pulumi.<stack>.yaml into the project: EACCES in the image (read-only, uid 65532).
      showSecrets: false,
      signal: options.signal,
      onEvent: options.onEvent,
    });
    const ops = result.summary.resourceChanges ?? {};
    const changes = CHANGES.reduce((sum, op) => sum + (ops[op] ?? 0), 0);
    return { outputs: outputsOf(result.outputs), changes };
  }

  async outputs(): Promise<StackOutputs> {
    const { stack } = await this.#open();
    return outputsOf(await stack.outputs());
  }

  /** `pulumi cancel`: removes the stack's locks. */
  async cancel(): Promise<void> {
    const { stack } = await this.#open();
    await stack.cancel();
  }

  #open(): Promise<{ stack: Stack; targets: string[] }> {
    this.#opened ??= (async () => {
      const { stack: stackName, workDir, env } = this.#options;
      // The CLI from PATH (the image's tools, or `npm run tools` locally); its version is stamped at build time.
      const pulumiCommand = await PulumiCommand.get({ skipVersionCheck: true });
      const stack = await LocalWorkspace.selectStack({ stackName, workDir }, { pulumiCommand, envVars: env });
      const project = (await stack.workspace.projectSettings()).name;
      return { stack, targets: routeTargets(stackName, project) };
    })();
    // A failed selection (backend unreachable) is retried by the next run.
    this.#opened.catch(() => (this.#opened = undefined));
    return this.#opened;
  }
}
