// The runtime tools for production code (npm run pulumi, npm run status, the watcher, the bench), locally and in
// the image: the Pulumi CLI, its Node language host and its plugins. The test-only tools are testenv/tools.ts's.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "..");

/** `scripts/tools.sh <mode>` (builds what is missing, instant otherwise): the directory it prints last. */
export function toolsScript(mode: "runtime" | "test"): string {
  const out = execFileSync("bash", [join(repoRoot, "scripts/tools.sh"), mode], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop()!;
}

let cached: string | undefined;

/**
 * The runtime tools directory: $KSYUN_ROUTE_TOOLS_DIR (the image sets it), else what `scripts/tools.sh runtime`
 * prints. It holds pulumi, pulumi-language-nodejs and pulumi-resource-pulumi-nodejs unless a compatible pulumi on
 * PATH is used instead, and plugins/ in the layout of Pulumi's plugin cache.
 */
export function runtimeToolsDir(): string {
  cached ??= process.env.KSYUN_ROUTE_TOOLS_DIR || toolsScript("runtime");
  return cached;
}

/** PATH with the runtime tools and this project's Node 24 first, so that pulumi and `node` resolve to them. */
export function runtimePath(path = process.env.PATH ?? ""): string {
  return [runtimeToolsDir(), join(repoRoot, "node_modules/.bin"), path].join(":");
}

/**
 * Links each plugin of the tools directory's plugins/ into $PULUMI_HOME/plugins, the only place besides PATH where
 * the engine looks for a plugin that is not bundled with the CLI (sdk/go/common/workspace/plugins.go,
 * getPluginInfoAndPath), and one found on PATH draws "using … from $PATH" on every run. A symlink, not a copy as
 * `pulumi plugin install --file` makes: the Kubernetes plugin is 100+ MB, and every test and pod has its own home.
 * A plugin already there stays.
 */
export function installPlugins(toolsDir: string, pulumiHome: string): void {
  const plugins = join(toolsDir, "plugins");
  if (!existsSync(plugins)) return;
  for (const plugin of readdirSync(plugins)) {
    for (const file of readdirSync(join(plugins, plugin)).filter((name) => !name.startsWith("."))) {
      const target = join(pulumiHome, "plugins", plugin, file);
      if (existsSync(target)) continue; // follows links: a dangling one (a removed cache) is replaced
      mkdirSync(join(pulumiHome, "plugins", plugin), { recursive: true });
      rmSync(target, { force: true });
      try {
        symlinkSync(join(plugins, plugin, file), target);
      } catch (error) {
        // Another process of the same home (a second watcher) linked it first.
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
  }
}

/**
 * NODE_OPTIONS for the Node processes a run starts (program, dynamic provider): run-hooks.ts and a 1 MiB
 * semi-space, added once. V8 sizes the young generation by the machine's memory; at 1 MiB a run of 200 routes
 * peaked at 164 instead of 235 MiB (program) and 127 instead of 156 MiB (provider), in the same time.
 */
export function runtimeNodeOptions(options = process.env.NODE_OPTIONS ?? ""): string {
  const hooks = `--import "${join(repoRoot, "scripts/run-hooks.ts")}"`;
  if (options.includes(hooks)) return options;
  const semiSpace = /--max-semi-space-size\b/.test(options) ? "" : "--max-semi-space-size=1";
  return [options, semiSpace, hooks].filter(Boolean).join(" ");
}

/** Readies this process's environment for the CLI: PATH, Node's options, the plugins in $PULUMI_HOME, offline defaults. */
export function prepareRuntime(env: NodeJS.ProcessEnv = process.env): void {
  installPlugins(runtimeToolsDir(), env.PULUMI_HOME || join(homedir(), ".pulumi"));
  env.PATH = runtimePath(env.PATH);
  env.NODE_OPTIONS = runtimeNodeOptions(env.NODE_OPTIONS);
  env.PULUMI_SKIP_UPDATE_CHECK ??= "true";
  env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ??= "true";
}
