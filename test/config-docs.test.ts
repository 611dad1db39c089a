// Pulumi.yaml, docs/configuration.md, the program's parser and the provider's settings agree on every key: the
// files are rendered from the one schema (npm run config-docs), and the parsers read it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import type { KSYUN_KEYS } from "@ksyun-route/provider/config";
import { readSettings } from "@ksyun-route/provider/config";
import { CONFIG_SCHEMA, parseConfig } from "../program/config.ts";
import { ROOT, withDocsTables, withPulumiYamlConfig } from "../scripts/config-docs.ts";

const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
type YamlKey = { type: string; default?: unknown; description: string };
const yamlConfig = (load(read("Pulumi.yaml")) as { config: Record<string, YamlKey> }).config;

describe("the config schema, rendered", () => {
  it("Pulumi.yaml's config block is the schema's (run npm run config-docs after changing the schema)", () => {
    expect(read("Pulumi.yaml")).toBe(withPulumiYamlConfig(read("Pulumi.yaml"), CONFIG_SCHEMA));
  });
  it("docs/configuration.md's tables are the schema's", () => {
    expect(read("docs/configuration.md")).toBe(withDocsTables(read("docs/configuration.md"), CONFIG_SCHEMA));
  });
  it("Pulumi.yaml declares each key with the schema's type and default, and nothing else", () => {
    expect(Object.keys(yamlConfig)).toEqual(Object.keys(CONFIG_SCHEMA));
    for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
      expect(yamlConfig[key], key).toEqual({
        type: spec.type,
        ...(spec.default !== undefined && { default: spec.default }),
        description: spec.description,
      });
    }
  });
});

describe("the parsers read the schema", () => {
  const required = { region: "cn-beijing-6", vpcId: "2429a51f-acb2-4124-a5f7-81ec34951c9e", podCidr: "172.16.0.0/16" };
  it("a key without a default is required by the program, as the CLI requires it", () => {
    const keys = Object.entries(CONFIG_SCHEMA)
      .filter(([, s]) => s.default === undefined)
      .map(([k]) => k);
    expect(keys).toEqual(Object.keys(required));
    for (const key of keys) {
      const { [key as keyof typeof required]: _, ...rest } = required;
      expect(() => parseConfig({ ...rest, enableMasqAgent: "false" }, {})).toThrow(`ksyun-route:${key} is required`);
    }
  });
  it("the program and the provider apply the same check to every KSYun key", () => {
    const bad: Record<keyof typeof KSYUN_KEYS, string> = {
      region: "beijing",
      endpoint: "ftp://x",
      accessKeyId: "a b",
      secretAccessKey: " s",
      securityToken: "t ",
      cipher: "rsa",
      cipherKey: "short",
      akskDir: "",
      qps: "0",
    };
    for (const [key, value] of Object.entries(bad)) {
      if (value === "") continue;
      const raw = { ...required, enableMasqAgent: "false", [key]: value };
      const fromProgram = (() => {
        try {
          parseConfig(raw, {});
        } catch (error) {
          return (error as Error).message;
        }
        return "";
      })();
      const fromProvider = (() => {
        try {
          readSettings((k) => (raw as Record<string, string>)[k], {});
        } catch (error) {
          return (error as Error).message;
        }
        return "";
      })();
      const line = fromProvider.split("\n").find((l) => l.includes(`ksyun-route:${key}:`));
      expect(line, key).toBeDefined();
      expect(fromProgram, key).toContain(line!);
    }
  });
});
