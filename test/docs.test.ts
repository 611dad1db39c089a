// The documentation against the code it describes: every config key documented (and nothing else), every
// `npm run` command real, every local link alive, and the two READMES in step.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");

const READMES = ["README.md", "README.zh-CN.md"];
const DOCS = readdirSync(join(root, "docs"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/${name}`);

/** The keys under the top-level `config:` of Pulumi.yaml (two-space indented names). */
function pulumiYamlKeys(yaml: string): string[] {
  const keys: string[] = [];
  let inConfig = false;
  for (const line of yaml.split("\n")) {
    if (/^\S/.test(line)) inConfig = line.startsWith("config:");
    const key = inConfig ? /^ {2}([A-Za-z][\w-]*):\s*$/.exec(line)?.[1] : undefined;
    if (key) keys.push(key);
  }
  return keys;
}

/** The first cells of table rows that are a backticked key: | `podCidr` | string | … */
function documentedKeys(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([A-Za-z][\w-]*)` \|/gm)].map((m) => m[1]!);
}

/** `npm run <script>` and `npm test` mentions, outside and inside code blocks. */
function npmCommands(markdown: string): string[] {
  const runs = [...markdown.matchAll(/npm run ([A-Za-z][\w:-]*)/g)].map((m) => m[1]!);
  return [...new Set([...runs, ...(/\bnpm test\b/.test(markdown) ? ["test"] : [])])].sort();
}

/** Relative link targets of [text](target), without #fragments; external and pure-fragment links left out. */
function localLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith("#"))
    .map((target) => target.split("#")[0]!);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): string[] {
  return [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-"),
  );
}

/** [text](file.md#fragment) links: [file, fragment]. */
function fragmentLinks(markdown: string): [string, string][] {
  return [...markdown.matchAll(/\]\(([^)\s#:]+\.md)#([^)\s]+)\)/g)].map((m) => [m[1]!, m[2]!]);
}

describe("the parsers of this test", () => {
  it("reads Pulumi.yaml config keys, not their fields or other sections", () => {
    const yaml =
      "name: x\nruntime:\n  name: nodejs\nconfig:\n  region:\n    type: string\n  qps:\n    default: 10\nmain: a\n";
    expect(pulumiYamlKeys(yaml)).toEqual(["region", "qps"]);
  });
  it("reads documented keys, npm commands and local links", () => {
    const md =
      "| `podCidr` | string |\n| key | type |\nrun `npm run demo` or npm test; [a](docs/a.md#x) [b](https://x) [c](#y)";
    expect(documentedKeys(md)).toEqual(["podCidr"]);
    expect(npmCommands(md)).toEqual(["demo", "test"]);
    expect(localLinks(md)).toEqual(["docs/a.md"]);
    expect(fragmentLinks(md)).toEqual([["docs/a.md", "x"]]);
  });
  it("makes GitHub's heading anchors", () => {
    expect(anchors("## The stack is locked\n### `npm run status`\n# How a node gets its route")).toEqual([
      "the-stack-is-locked",
      "npm-run-status",
      "how-a-node-gets-its-route",
    ]);
  });
});

describe("docs/configuration.md", () => {
  const yamlKeys = pulumiYamlKeys(read("Pulumi.yaml"));
  const docKeys = documentedKeys(read("docs/configuration.md"));

  it("Pulumi.yaml declares config keys (the parser found them)", () => {
    expect(yamlKeys.length).toBeGreaterThan(20);
    expect(yamlKeys).toContain("podCidr");
  });
  it("documents every key of Pulumi.yaml", () => {
    expect(yamlKeys.filter((key) => !docKeys.includes(key))).toEqual([]);
  });
  it("documents no key that Pulumi.yaml lacks, and each key once", () => {
    expect(docKeys.filter((key) => !yamlKeys.includes(key))).toEqual([]);
    expect(docKeys.filter((key, i) => docKeys.indexOf(key) !== i)).toEqual([]);
  });
});

describe("commands and links", () => {
  const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);

  it.each([...READMES, ...DOCS])("every npm command in %s is a package.json script", (path) => {
    expect(npmCommands(read(path)).filter((name) => !scripts.includes(name))).toEqual([]);
  });
  it.each(READMES)("%s mentions the two commands", (path) => {
    expect(npmCommands(read(path))).toEqual(expect.arrayContaining(["demo", "test"]));
  });
  it.each([...READMES, ...DOCS])("every local link in %s exists", (path) => {
    const missing = localLinks(read(path)).filter((target) => !existsSync(join(root, dirname(path), target)));
    expect(missing).toEqual([]);
  });
  it.each([...READMES, ...DOCS])("every #fragment link in %s names a heading of its target", (path) => {
    const broken = fragmentLinks(read(path)).filter(
      ([file, fragment]) => !anchors(read(join(dirname(path), file))).includes(fragment),
    );
    expect(broken).toEqual([]);
  });
  it("README.md and README.zh-CN.md are in step: the same commands and the same links", () => {
    const [en, zh] = READMES.map(read) as [string, string];
    expect(npmCommands(zh)).toEqual(npmCommands(en));
    // Each links to the other; every other link must match.
    const links = (markdown: string) => [...new Set(localLinks(markdown).filter((t) => !/^README/.test(t)))].sort();
    expect(links(zh)).toEqual(links(en));
    expect(localLinks(en)).toContain("README.zh-CN.md");
    expect(localLinks(zh)).toContain("README.md");
  });
});
