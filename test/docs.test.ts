// The documentation against the code it describes: every config key documented (and nothing else), every
// `npm run` command real, every local link alive, the two READMEs in step, and each Chinese document (docs/zh-CN)
// in step with its English twin.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMA } from "../program/config.ts";

const root = resolve(import.meta.dirname, "..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");

const READMES = ["README.md", "README.zh-CN.md"];
const markdownIn = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `${dir}/${name}`);
/** docs/*.md and their Chinese versions, docs/zh-CN/*.md. */
const DOCS = [...markdownIn("docs"), ...(existsSync(join(root, "docs/zh-CN")) ? markdownIn("docs/zh-CN") : [])];
/** The documents the original controller's users read in Chinese; each has an English twin in docs/. */
const TRANSLATED = ["migration.md", "troubleshooting.md", "operations.md"];

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

const SCHEMA_KEYS = new Set(Object.keys(CONFIG_SCHEMA));

/** Config keys named with the namespace, `ksyun-route:podCidr` (inline or in a code block), sorted and unique. */
function namespacedKeys(markdown: string): string[] {
  const keys = [...markdown.matchAll(/ksyun-route:([A-Za-z]\w*)/g)].map((m) => m[1]!);
  return [...new Set(keys.filter((key) => SCHEMA_KEYS.has(key)))].sort();
}

/** Config keys named bare in backticks, `podCidr`, sorted and unique. */
function bareKeys(markdown: string): string[] {
  const keys = [...markdown.matchAll(/`([A-Za-z]\w*)`/g)].map((m) => m[1]!);
  return [...new Set(keys.filter((key) => SCHEMA_KEYS.has(key)))].sort();
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
  it("makes GitHub's heading anchors, keeping Chinese characters and dropping Chinese punctuation", () => {
    expect(anchors("## The stack is locked\n### `npm run status`\n# How a node gets its route")).toEqual([
      "the-stack-is-locked",
      "npm-run-status",
      "how-a-node-gets-its-route",
    ]);
    expect(anchors("## 节点带有 `NetworkUnavailable=True`\n## 删除被暂缓（withheld）")).toEqual([
      "节点带有-networkunavailabletrue",
      "删除被暂缓withheld",
    ]);
  });
  it("reads the config keys a document names, with the namespace or bare in backticks", () => {
    const md =
      "set `ksyun-route:podCidr` and\n```sh\nconfig set ksyun-route:vpcId x\n```\n`qps`, `maxRouteDeletes`, " +
      "`ksyun-route:manifests:CalicoCni`, `notAKey`, qps";
    expect(namespacedKeys(md)).toEqual(["podCidr", "vpcId"]);
    expect(bareKeys(md)).toEqual(["maxRouteDeletes", "qps"]);
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

describe.each(TRANSLATED)("docs/zh-CN/%s and its English twin", (name) => {
  const [en, zh] = [`docs/${name}`, `docs/zh-CN/${name}`];
  const exists = existsSync(join(root, zh));

  it("exists", () => expect(exists, zh).toBe(true));
  it.runIf(exists)("mentions the same npm run commands", () => {
    expect(npmCommands(read(zh))).toEqual(npmCommands(read(en)));
  });
  it.runIf(exists)("names the same ksyun-route: config keys", () => {
    expect(namespacedKeys(read(zh))).toEqual(namespacedKeys(read(en)));
  });
  it.runIf(exists)("names the same bare config keys in backticks", () => {
    expect(bareKeys(read(zh))).toEqual(bareKeys(read(en)));
  });
  it.runIf(exists)("each links to the other", () => {
    expect(localLinks(read(zh))).toContain(`../${name}`);
    expect(localLinks(read(en))).toContain(`zh-CN/${name}`);
  });
});
