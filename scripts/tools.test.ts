// scripts/tools.ts's plugin links, and which pulumi scripts/tools.sh chooses (with a stand-in for Go that records
// what it is asked to build and builds nothing).
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installPlugins, repoRoot } from "./tools.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ksyun-route-tools-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const PLUGIN = "resource-kubernetes-v4.25.0/pulumi-resource-kubernetes";

async function executable(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, 0o755);
}

describe("installPlugins", () => {
  it("links each plugin of the tools into $PULUMI_HOME/plugins, in the layout of the engine's plugin cache", async () => {
    await executable(join(dir, "tools/plugins", PLUGIN), "#!/bin/sh\n");
    installPlugins(join(dir, "tools"), join(dir, "home"));
    installPlugins(join(dir, "tools"), join(dir, "home")); // a second process of the same home
    expect(await readlink(join(dir, "home/plugins", PLUGIN))).toBe(join(dir, "tools/plugins", PLUGIN));
  });

  it("keeps a plugin already installed there, and replaces a link to a removed tools directory", async () => {
    await executable(join(dir, "tools/plugins", PLUGIN), "#!/bin/sh\n");
    await executable(join(dir, "installed/plugins", PLUGIN), "#!/bin/sh\n# installed by hand\n");
    installPlugins(join(dir, "tools"), join(dir, "installed"));
    expect(await readFile(join(dir, "installed/plugins", PLUGIN), "utf8")).toContain("by hand");

    await mkdir(dirname(join(dir, "stale/plugins", PLUGIN)), { recursive: true });
    await symlink(join(dir, "removed", PLUGIN), join(dir, "stale/plugins", PLUGIN));
    installPlugins(join(dir, "tools"), join(dir, "stale"));
    expect(await readlink(join(dir, "stale/plugins", PLUGIN))).toBe(join(dir, "tools/plugins", PLUGIN));
  });
});

describe("scripts/tools.sh runtime", () => {
  /** Runs it with `pulumi version` answering `version`, and returns what the stand-in for Go was asked. */
  async function run(version: string, env: Record<string, string> = {}) {
    const bin = join(dir, "bin");
    await executable(join(bin, "pulumi"), `#!/bin/sh\necho v${version}\n`);
    await executable(join(bin, "go"), `#!/bin/sh\necho "$@" >> "${join(dir, "go-calls")}"\nexit 1\n`);
    const result = spawnSync("bash", [join(repoRoot, "scripts/tools.sh"), "runtime"], {
      encoding: "utf8",
      env: {
        PATH: [bin, dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
        HOME: dir,
        KSYUN_ROUTE_TOOLS_CACHE: join(dir, "cache"),
        ...env,
      },
    });
    const calls = await readFile(join(dir, "go-calls"), "utf8").catch(() => "");
    return { code: result.status, stderr: result.stderr, modules: calls.match(/[\w./-]+@v[\w.-]+/g) ?? [] };
  }

  it("uses a pulumi on PATH of the version it builds or later, and builds only the Kubernetes plugin", async () => {
    const { stderr, modules } = await run("3.300.0");
    expect(stderr).toMatch(/using .*\/bin\/pulumi \(v3\.300\.0\) from PATH/);
    expect(modules).toEqual([expect.stringMatching(/^github\.com\/pulumi\/pulumi-kubernetes\/provider\/v4@/)]);
  });

  it("builds pulumi when the one on PATH is older, or when the tools are for another architecture", async () => {
    expect((await run("3.100.0")).modules).toEqual(["github.com/pulumi/pulumi/pkg/v3@v3.274.1"]);
    await rm(join(dir, "go-calls"));
    const other = process.arch === "arm64" ? "amd64" : "arm64";
    expect((await run("3.300.0", { GOARCH: other })).modules).toEqual(["github.com/pulumi/pulumi/pkg/v3@v3.274.1"]);
  });
});
