// Locates the Go-built binaries (pulumi, language host, kubernetes plugin, kube-apiserver, etcd).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "..");

const REQUIRED = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-pulumi-nodejs", "kube-apiserver", "etcd"];

let cached: string | undefined;

/** The tools directory: $KSYUN_ROUTE_TOOLS_DIR, or what `scripts/tools.sh` prints (instant once built). */
export function toolsDir(): string {
  if (cached) return cached;
  const dir =
    process.env.KSYUN_ROUTE_TOOLS_DIR ??
    execFileSync("bash", [join(repoRoot, "scripts/tools.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
      .trim()
      .split("\n")
      .pop()!;
  const missing = REQUIRED.filter((name) => !existsSync(join(dir, name)));
  if (missing.length > 0) {
    throw new Error(`tools missing in ${dir}: ${missing.join(", ")}; run 'npm run tools'`);
  }
  cached = dir;
  return dir;
}

export function tool(name: string): string {
  return join(toolsDir(), name);
}

/** PATH with the tools and this project's Node 24 first, so pulumi's plugins and `node` resolve to them. */
export function toolsPath(): string {
  return [toolsDir(), join(repoRoot, "node_modules/.bin"), process.env.PATH ?? ""].join(":");
}
