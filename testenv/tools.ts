// Locates the Go-built binaries (pulumi, language host, kubernetes plugin, kube-apiserver, etcd).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "..");

let cached: string | undefined;

/** The tools directory: $KSYUN_ROUTE_TOOLS_DIR, or what `scripts/tools.sh` prints (instant once built). */
export function toolsDir(): string {
  if (cached) return cached;
  const dir =
    process.env.KSYUN_ROUTE_TOOLS_DIR ??
    execFileSync("bash", [join(repoRoot, "scripts/tools.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    })
      .trim()
      .split("\n")
      .pop()!;
  cached = dir;
  return dir;
}

/** The path of one tool; throws (never skips) when it is missing. */
export function tool(name: string): string {
  const path = join(toolsDir(), name);
  if (!existsSync(path)) throw new Error(`${name} is missing in ${toolsDir()}; run 'npm run tools'`);
  return path;
}

/** PATH with the tools and this project's Node 24 first, so pulumi's plugins and `node` resolve to them. */
export function toolsPath(): string {
  return [toolsDir(), join(repoRoot, "node_modules/.bin"), process.env.PATH ?? ""].join(":");
}
