// Locates the test-only tools (kube-apiserver, etcd); the runtime tools (pulumi and its plugins) are located by
// scripts/tools.ts, as for production code.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, toolsScript } from "../scripts/tools.ts";

export { repoRoot };

let cached: string | undefined;

/** The test tools directory: $KSYUN_ROUTE_TEST_TOOLS_DIR, or what `scripts/tools.sh test` prints. */
function testToolsDir(): string {
  cached ??= process.env.KSYUN_ROUTE_TEST_TOOLS_DIR || toolsScript("test");
  return cached;
}

/** The path of one test tool; throws (never skips) when it is missing. */
export function tool(name: "kube-apiserver" | "etcd"): string {
  const path = join(testToolsDir(), name);
  if (!existsSync(path)) throw new Error(`${name} is missing in ${testToolsDir()}; run 'npm run tools -- test'`);
  return path;
}
