// `npm run config-docs`: writes the config block of Pulumi.yaml and the key tables of docs/configuration.md from
// the one configuration schema (program/config.ts CONFIG_SCHEMA); test/config-docs.test.ts fails while either file
// differs from what this renders.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { KeySpec, Schema } from "@ksyun-route/provider/config-schema";
import { CONFIG_SCHEMA } from "../program/config.ts";

export const ROOT = resolve(import.meta.dirname, "..");
const GROUPS = ["KSYun API", "Cluster and routes", "Manifests"] as const;

const yamlScalar = (value: string | number | boolean) =>
  typeof value === "string" ? JSON.stringify(value) : String(value);

/** Pulumi.yaml's `config:` block: type, default (when there is one) and description of every key. */
export function pulumiYamlConfig(schema: Schema): string {
  const lines = ["config:"];
  for (const group of GROUPS) {
    lines.push(`  # --- ${group} ---`);
    for (const [key, spec] of Object.entries(schema).filter(([, s]) => s.group === group)) {
      lines.push(`  ${key}:`, `    type: ${spec.type}`);
      if (spec.default !== undefined) lines.push(`    default: ${yamlScalar(spec.default)}`);
      lines.push(`    description: ${JSON.stringify(spec.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function defaultCell(spec: KeySpec): string {
  if (spec.requiredWhen) return `— (${spec.requiredWhen})`;
  if (spec.default === undefined) return "— (required)";
  return spec.default === "" ? '`""`' : `\`${String(spec.default)}\``;
}

function describeCell(spec: KeySpec): string {
  const parts = [spec.description, spec.details, spec.env && `Fallback: \`${spec.env}\`.`];
  return parts.filter(Boolean).join(" ").replace(/\|/g, "\\|");
}

/** The table of one group, as docs/configuration.md shows it. */
export function docsTable(schema: Schema, group: (typeof GROUPS)[number]): string {
  const rows = Object.entries(schema)
    .filter(([, spec]) => spec.group === group)
    .map(([key, spec]) => `| \`${key}\` | ${spec.type} | ${defaultCell(spec)} | ${describeCell(spec)} |`);
  return ["| key | type | default | description |", "|---|---|---|---|", ...rows].join("\n");
}

const marker = (group: string) => `<!-- ${group}: generated from the config schema by npm run config-docs -->`;
const END = "<!-- end of generated table -->";

/** `text` with each group's table (between its markers) replaced by the rendered one. */
export function withDocsTables(text: string, schema: Schema): string {
  return GROUPS.reduce((doc, group) => {
    const start = doc.indexOf(marker(group));
    const end = doc.indexOf(END, start);
    if (start < 0 || end < 0) throw new Error(`docs/configuration.md has no markers for the ${group} table`);
    return `${doc.slice(0, start)}${marker(group)}\n${docsTable(schema, group)}\n${doc.slice(end)}`;
  }, text);
}

/** `text` (Pulumi.yaml) with its top-level `config:` block replaced. */
export function withPulumiYamlConfig(text: string, schema: Schema): string {
  const start = text.search(/^config:/m);
  if (start < 0) throw new Error("Pulumi.yaml has no config block");
  const rest = text.slice(start).split("\n");
  const length = rest.findIndex((line, i) => i > 0 && /^\S/.test(line));
  const after = length < 0 ? "" : `${rest.slice(length).join("\n")}`;
  return `${text.slice(0, start)}${pulumiYamlConfig(schema)}${after}`;
}

if (process.argv[1] === import.meta.filename) {
  const files = {
    "Pulumi.yaml": (text: string) => withPulumiYamlConfig(text, CONFIG_SCHEMA),
    "docs/configuration.md": (text: string) => withDocsTables(text, CONFIG_SCHEMA),
  };
  for (const [file, render] of Object.entries(files)) {
    const path = join(ROOT, file);
    writeFileSync(path, render(readFileSync(path, "utf8")));
    console.log(`wrote ${file}`);
  }
}
