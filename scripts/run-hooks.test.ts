// What scripts/run-hooks.ts changes in a Node process that loads the Pulumi SDK, as a run's program and dynamic
// provider do: the closure serializer's modules and source-map-support stay unloaded until used.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { repoRoot, runtimeNodeOptions } from "./tools.ts";

/** Runs `script` (CommonJS) in a Node process with the given NODE_OPTIONS, and returns what it printed as JSON. */
function inNode(script: string, nodeOptions: string, env: Record<string, string> = {}): Record<string, unknown> {
  const result = spawnSync(process.execPath, ["-e", script], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: nodeOptions, ...env },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

const LOADED = `
const pulumi = require("@pulumi/pulumi");
const loaded = (name) => Object.keys(require.cache).some((file) => file.includes("/node_modules/" + name + "/"));
const before = { typescript: loaded("typescript"), arborist: loaded("@npmcli/arborist"),
  sourceMaps: loaded("source-map-support") };
pulumi.runtime.serializeFunction(() => 42).then((serialized) => console.log(JSON.stringify({
  ...before, serialized: serialized.text.includes("42"), typescriptAfter: loaded("typescript") })));
`;

describe("scripts/run-hooks.ts", () => {
  it("keeps typescript and @npmcli/arborist unloaded until the closure serializer uses them", () => {
    expect(inNode(LOADED, runtimeNodeOptions(""))).toEqual({
      typescript: false,
      arborist: false,
      sourceMaps: false,
      serialized: true,
      typescriptAfter: true,
    });
  });

  it("changes nothing without it, and KSYUN_ROUTE_SOURCE_MAPS=1 keeps source maps", () => {
    expect(inNode(LOADED, "")).toMatchObject({ typescript: true, arborist: true });
    expect(inNode(LOADED, runtimeNodeOptions(""), { KSYUN_ROUTE_SOURCE_MAPS: "1" })).toMatchObject({
      typescript: false,
    });
  });
});

const PROMISE_STACK = `
const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable");
const p = Promise.resolve(1);
debuggablePromise(p, "ctx");
console.log(JSON.stringify({ stack: typeof p._debugStackTrace }));
`;

describe("the SDK's promise stack traces", () => {
  it("are taken only under PULUMI_DEBUG_PROMISE_LEAKS", () => {
    expect(inNode(PROMISE_STACK, runtimeNodeOptions(""))).toEqual({ stack: "undefined" });
    expect(inNode(PROMISE_STACK, runtimeNodeOptions(""), { PULUMI_DEBUG_PROMISE_LEAKS: "true" })).toEqual({
      stack: "string",
    });
    expect(inNode(PROMISE_STACK, "")).toEqual({ stack: "string" });
  });
});

describe("runtimeNodeOptions", () => {
  it("adds the hooks and a small semi-space once, and keeps the options already there", () => {
    const once = runtimeNodeOptions("--max-old-space-size=256");
    expect(once).toMatch(/^--max-old-space-size=256 --max-semi-space-size=1 --import ".*\/scripts\/run-hooks\.ts"$/);
    expect(runtimeNodeOptions(once)).toBe(once);
    expect(runtimeNodeOptions("--max-semi-space-size=8")).toMatch(/^--max-semi-space-size=8 --import /);
  });
});
