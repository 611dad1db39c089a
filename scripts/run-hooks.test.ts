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

describe("runtimeNodeOptions", () => {
  it("adds the hooks once and keeps the options already there", () => {
    const once = runtimeNodeOptions("--max-old-space-size=256");
    expect(once).toMatch(/^--max-old-space-size=256 --import ".*\/scripts\/run-hooks\.ts"$/);
    expect(runtimeNodeOptions(once)).toBe(once);
  });
});
