// The dependency rules of .dependency-cruiser.js, run as `npm run lint` runs them: each one fails on a small
// layout made to break it (and passes the imports it is meant to allow), and the real tree passes them all.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const CONFIG = join(root, ".dependency-cruiser.js");
const DEPCRUISE = join(root, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs");

type Violation = { rule: string; from: string; to: string };

/**
 * Runs dependency-cruiser over `cwd` with the project's config and its default report, as `npm run lint` does: the
 * exit code counts the errors, and each error reads `error <rule>: <from> → <to>` (a cycle continues `→ …` below).
 */
async function cruise(cwd: string): Promise<{ code: number; violations: Violation[] }> {
  const { stdout, code } = await promisify(execFile)(process.execPath, [DEPCRUISE, "--config", CONFIG, "."], {
    cwd,
  }).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
  );
  const violations = [...stdout.matchAll(/^\s*error (\S+): (\S+) →\s+(\S+)/gm)].map(([, rule, from, to]) => ({
    rule: rule!,
    from: from!,
    to: to!,
  }));
  return { code, violations };
}

/** A module of `lines`. */
const ts = (...lines: string[]): string => lines.join("\n");

/** Imports that every rule allows, so a rule that fails everything is caught as surely as one that fails nothing. */
const ALLOWED: Record<string, string> = {
  "package.json": JSON.stringify({ name: "layout", type: "module", workspaces: ["providers/ksyun-route"] }),
  "providers/ksyun-route/package.json": JSON.stringify({
    name: "@ksyun-route/provider",
    type: "module",
    exports: { "./cidr": "./cidr.ts" },
  }),
  "providers/ksyun-route/cidr.ts": ts("export const parse = 1;"),
  "program/contract.ts": ts("export const contract = 1;"),
  "program/internal.ts": ts('import { parse } from "@ksyun-route/provider/cidr";', "export const internal = parse;"),
  "program/testing.ts": ts("export const builder = 1;"),
  "testenv/harness.ts": ts("export const harness = 1;"),
  "test/support/helper.ts": ts('import { harness } from "../../testenv/harness.ts";', "export const helper = harness;"),
  "watcher/ok.ts": ts('import { contract } from "../program/contract.ts";', "export const ok = contract;"),
  "watcher/ok.test.ts": ts(
    'import { contract } from "../program/contract.ts";',
    'import { builder } from "../program/testing.ts";',
    'import { harness } from "../testenv/harness.ts";',
    "export const all = [contract, builder, harness];",
  ),
  "emulator/cidr.ts": ts("export const own = 1;"),
  "emulator/server.ts": ts('import { own } from "./cidr.ts";', "export const server = own;"),
  "emulator/test-support/fixture.ts": ts('import { harness } from "../../testenv/harness.ts";', "export const f = 1;"),
  "kube/config.ts": ts('import { readFileSync } from "node:fs";', "export const config = readFileSync;"),
  "kube/client.ts": ts('import { config } from "./config.ts";', "export const client = config;"),
  "kube/client.test.ts": ts(
    'import { client } from "./client.ts";',
    'import { harness } from "../testenv/harness.ts";',
    "export const all = [client, harness];",
  ),
  "demo/main.ts": ts('import { harness } from "../testenv/harness.ts";', "export const demo = harness;"),
  "bench/run.ts": ts('import { helper } from "../test/support/helper.ts";', "export const bench = helper;"),
};

/** Files breaking each rule, added to ALLOWED, and the violations they must produce. */
const BROKEN: { rule: string; files: Record<string, string>; expected: Omit<Violation, "rule">[] }[] = [
  {
    rule: "no-test-code-in-production",
    files: {
      "status/report.ts": ts('import { harness } from "../testenv/harness.ts";', "export const r = harness;"),
      "watcher/builders.ts": ts('import { builder } from "../program/testing.ts";', "export const b = builder;"),
      "providers/ksyun-route/uses-fixture.ts": ts(
        'import { f } from "../../emulator/test-support/fixture.ts";',
        "export const u = f;",
      ),
    },
    expected: [
      { from: "status/report.ts", to: "testenv/harness.ts" },
      { from: "watcher/builders.ts", to: "program/testing.ts" },
      { from: "providers/ksyun-route/uses-fixture.ts", to: "emulator/test-support/fixture.ts" },
    ],
  },
  {
    rule: "no-cycles",
    files: {
      // Like the old credentials.ts ↔ credentials-dir.ts: a value import one way, a type-only import back.
      "providers/ksyun-route/source.ts": ts(
        'import { load } from "./dir.ts";',
        "export type Source = { n: number };",
        "export const s = load;",
      ),
      "providers/ksyun-route/dir.ts": ts(
        'import type { Source } from "./source.ts";',
        "export const load = (s: Source) => s;",
      ),
    },
    // Reported once, from the module it closes on.
    expected: [{ from: "providers/ksyun-route/dir.ts", to: "providers/ksyun-route/source.ts" }],
  },
  {
    rule: "program-only-through-contract",
    files: {
      "watcher/engine.ts": ts('import { internal } from "../program/internal.ts";', "export const e = internal;"),
      "status/stack.test.ts": ts(
        'import type { internal } from "../program/internal.ts";',
        "export type T = typeof internal;",
      ),
    },
    expected: [
      { from: "watcher/engine.ts", to: "program/internal.ts" },
      { from: "status/stack.test.ts", to: "program/internal.ts" },
    ],
  },
  {
    rule: "emulator-independent-of-provider",
    files: {
      "emulator/parse.ts": ts('import { parse } from "../providers/ksyun-route/cidr.ts";', "export const p = parse;"),
      "emulator/parse-package.ts": ts('import { parse } from "@ksyun-route/provider/cidr";', "export const p = parse;"),
    },
    expected: [
      { from: "emulator/parse.ts", to: "providers/ksyun-route/cidr.ts" },
      { from: "emulator/parse-package.ts", to: "providers/ksyun-route/cidr.ts" },
    ],
  },
  {
    rule: "kube-stands-alone",
    files: {
      "kube/informer.ts": ts(
        'import type { contract } from "../program/contract.ts";',
        "export type C = typeof contract;",
      ),
      "kube/informer.test.ts": ts('import { server } from "../emulator/server.ts";', "export const s = server;"),
    },
    expected: [
      { from: "kube/informer.ts", to: "program/contract.ts" },
      { from: "kube/informer.test.ts", to: "emulator/server.ts" },
    ],
  },
];

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function layout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "lint-rules-"));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${text}\n`);
  }
  // As npm's workspaces install it, so that the package name resolves to the folder.
  mkdirSync(join(dir, "node_modules/@ksyun-route"), { recursive: true });
  symlinkSync("../../providers/ksyun-route", join(dir, "node_modules/@ksyun-route/provider"));
  return dir;
}

describe("the dependency rules", () => {
  it("run in npm run lint", () => {
    const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { lint: string } })
      .scripts;
    expect(scripts.lint).toContain("depcruise --config .dependency-cruiser.js .");
  });

  it("allow what the layout is meant to allow", async () => {
    expect(await cruise(layout(ALLOWED))).toEqual({ code: 0, violations: [] });
  });

  it.each(BROKEN)("$rule fails, naming the rule and each import that breaks it", async ({ rule, files, expected }) => {
    const { code, violations } = await cruise(layout({ ...ALLOWED, ...files }));
    expect(code).not.toBe(0);
    const byRule = (a: Violation, b: Violation) => `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`);
    expect(violations.sort(byRule)).toEqual(expected.map((v) => ({ rule, ...v })).sort(byRule));
  });

  it("pass on the real tree", async () => {
    expect(await cruise(root)).toEqual({ code: 0, violations: [] });
  });
});
