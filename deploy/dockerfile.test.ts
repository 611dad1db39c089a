// deploy/Dockerfile cannot be built here (no Docker engine): lint what a build would rely on.
import { existsSync, globSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, runtimeToolsDir } from "../scripts/tools.ts";

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

const dockerfile = instructions(readFileSync(join(repoRoot, "deploy/Dockerfile"), "utf8"));
const all = (keyword: string) => dockerfile.filter((i) => i.keyword === keyword).map((i) => i.args);
const finalStage = dockerfile.slice(dockerfile.map((i) => i.keyword).lastIndexOf("FROM"));
const TOOLS_CONTEXT = "tools/"; // `npm run tools -- image` output, copied into the build context (the Dockerfile's header)

describe("deploy/Dockerfile", () => {
  it("every base image is pinned to a full version or a digest", () => {
    const images = all("FROM").map((args) => args.split(/\s+/)[0]!);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^[\w./-]+(:\d+\.\d+\.\d+[\w.-]*|@sha256:[0-9a-f]{64})$/);
    expect(images.every((image) => image.startsWith("node:24."))).toBe(true);
  });

  it("runs as the non-root uid 65532", () => {
    const users = finalStage.filter((i) => i.keyword === "USER").map((i) => i.args);
    expect(users.at(-1)).toBe("65532:65532");
  });

  it("downloads nothing: no curl, wget or remote ADD", () => {
    for (const { keyword, args } of dockerfile) {
      expect(keyword).not.toBe("ADD");
      if (keyword === "RUN") expect(args).not.toMatch(/\b(curl|wget)\b|https?:\/\//);
    }
  });

  it("starts the watcher, with the CLI and plugins on PATH and a writable HOME on /tmp", () => {
    expect(JSON.parse(all("ENTRYPOINT").at(-1)!)).toEqual(["node", "watcher/main.ts"]);
    const env = finalStage
      .filter((i) => i.keyword === "ENV")
      .map((i) => i.args)
      .join(" ");
    expect(env).toMatch(/\bPATH=\/opt\/pulumi:/);
    expect(env).toMatch(/\bKSYUN_ROUTE_TOOLS_DIR=\/opt\/pulumi\b/);
    expect(env).toMatch(/\bHOME=\/tmp\b/);
    expect(env).toMatch(/\bPULUMI_HOME=\/tmp\//);
    expect(env).toMatch(/\bPULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\b/);
  });

  it("every path it copies exists: repository files, or tools built by `npm run tools -- image`", () => {
    const copies = all("COPY").filter((args) => !args.startsWith("--from="));
    const sources = copies.flatMap((args) => args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(["package-lock.json", "program", "providers", "watcher"]));
    for (const source of sources) {
      if (source.startsWith(TOOLS_CONTEXT)) {
        expect(existsSync(join(runtimeToolsDir(), source.slice(TOOLS_CONTEXT.length))), source).toBe(true);
      } else {
        expect(globSync(source, { cwd: repoRoot }), source).not.toEqual([]);
      }
    }
    const tools = sources.filter((s) => s.startsWith(TOOLS_CONTEXT)).map((s) => s.slice(TOOLS_CONTEXT.length));
    expect(tools).toEqual(
      expect.arrayContaining(["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs", "plugins"]),
    );
  });

  it("installs production dependencies only, from the lock file", () => {
    expect(all("RUN").some((args) => /\bnpm ci --omit=dev\b/.test(args))).toBe(true);
  });

  it("npm run watcher starts the same entry point", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.watcher).toBe("bash scripts/node.sh watcher/main.ts");
  });
});
