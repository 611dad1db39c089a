// Runs the real Pulumi CLI offline and unattended: file backend in a temp dir, passphrase secrets,
// no update check, no plugin download, plugins from the runtime tools directory.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installPlugins, runtimeNodeOptions, runtimePath, runtimeToolsDir } from "../scripts/tools.ts";
import { spawnSession, tail } from "./processes.ts";

export interface PulumiResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** The output of a run that must have succeeded; otherwise an error carrying all of it. */
export function succeeded(args: string[], result: PulumiResult): string {
  if (result.code !== 0) {
    throw new Error(`pulumi ${args.join(" ")} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout + result.stderr;
}

export interface PulumiEnv {
  dir: string;
  backendDir: string;
  env: NodeJS.ProcessEnv;
  /** Runs `pulumi <args>` in `cwd`; never throws on a non-zero exit. */
  run(
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv; onStarted?: (kill: () => Promise<void>) => void },
  ): Promise<PulumiResult>;
  cleanup(): Promise<void>;
}

/** The environment of an offline CLI whose home is `dir`/home (created, with the plugins linked in). */
export function offlinePulumiEnv(dir: string, backendDir: string, passphrase: string): NodeJS.ProcessEnv {
  const home = join(dir, "home");
  installPlugins(runtimeToolsDir(), home);
  return {
    PATH: runtimePath(),
    NODE_OPTIONS: runtimeNodeOptions(),
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
}

export async function pulumiEnv(): Promise<PulumiEnv> {
  const dir = await mkdtemp(join(tmpdir(), "ksyun-route-pulumi-"));
  const backendDir = join(dir, "state");
  await mkdir(backendDir);
  const env = { ...process.env, ...offlinePulumiEnv(dir, backendDir, randomBytes(16).toString("hex")) };
  return {
    dir,
    backendDir,
    env,
    async run(args, options) {
      const proc = spawnSession("pulumi", [...args, "--non-interactive", "--color=never"], {
        cwd: options.cwd,
        env: { ...env, ...options.env },
      });
      options.onStarted?.(proc.kill);
      const stdout = tail(proc.child.stdout, 4 * 1024 * 1024);
      const stderr = tail(proc.child.stderr, 4 * 1024 * 1024);
      const code = await proc.exited;
      return { code, stdout: stdout(), stderr: stderr() };
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
