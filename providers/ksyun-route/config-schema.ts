// One description of each stack configuration key (type, default, requiredness, secrecy, check) and the parser
// that applies it. The provider declares the KSYun keys (config.ts), the program adds its own (program/config.ts);
// the program's parser, the provider's settings, Pulumi.yaml's config block and the tables of
// docs/configuration.md all derive from these declarations (test/config-docs.test.ts keeps the files in step).

type KeyType = "string" | "integer" | "boolean";
export type KeyValue = string | number | boolean;

export interface KeySpec {
  readonly type: KeyType;
  /** The table of docs/configuration.md the key belongs to. */
  readonly group: "KSYun API" | "Cluster and routes" | "Manifests";
  /** Pulumi.yaml's description, shown by `pulumi config`: plain text. */
  readonly description: string;
  /** Appended in docs/configuration.md (Markdown). */
  readonly details?: string;
  /** Absent: Pulumi.yaml declares no default, so the CLI itself requires the key. */
  readonly default?: KeyValue;
  /** Set with `pulumi config set --secret`; never echoed. Pulumi.yaml cannot mark it: a secret may not default. */
  readonly secret?: boolean;
  /** Never echoed either (e.g. an inline kubeconfig may hold tokens), though not necessarily secret. */
  readonly redacted?: boolean;
  /** Read from this environment variable when the key is unset. */
  readonly env?: string;
  /** When the requirement depends on other keys, as the docs say it ("required when …"). */
  readonly requiredWhen?: string;
  /**
   * The problem with a value of the right type, said after the key and value ("is not …"), or undefined;
   * `{ concealed }` when the value itself must not be echoed (it holds credentials).
   */
  readonly check?: (value: string) => string | { readonly concealed: string } | undefined;
}

export type Schema = Readonly<Record<string, KeySpec>>;

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `invalid stack configuration:\n${problems.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const INTEGER = /^-?(?:0|[1-9][0-9]{0,8})$/;

/** The values of one schema, keyed by bare key: defaults applied, unset strings undefined. */
export class ConfigValues {
  readonly #values: ReadonlyMap<string, KeyValue>;
  readonly #set: ReadonlySet<string>;
  constructor(values: ReadonlyMap<string, KeyValue>, set: ReadonlySet<string>) {
    this.#values = values;
    this.#set = set;
  }
  /** A string key's value; undefined when unset or empty and without a non-empty default. */
  string(key: string): string | undefined {
    const value = this.#values.get(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  }
  integer(key: string): number {
    return this.#values.get(key) as number;
  }
  boolean(key: string): boolean {
    return this.#values.get(key) === true;
  }
  /** Whether the configuration (or the environment) set the key, rather than its default. */
  isSet(key: string): boolean {
    return this.#set.has(key);
  }
}

export interface ParseOptions {
  /** Also reject keys of the namespace the schema does not declare (a typo must not silently drop a guard). */
  readonly strict?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads every key of `schema` from `raw` (keys bare, "podCidr", or namespaced, "ksyun-route:podCidr", as
 * pulumi.runtime.allConfig() gives them; other namespaces ignored). Unset and "" mean the same. Collects problems
 * instead of throwing, so that every problem is reported at once: `problem(key, text)` adds one naming the key and
 * (unless secret) the value.
 */
export function readSchema(
  namespace: string,
  schema: Schema,
  raw: Readonly<Record<string, string | undefined>>,
  options: ParseOptions = {},
): { values: ConfigValues; problems: string[]; problem: (key: string, text: string) => void } {
  const problems: string[] = [];
  const given = new Map<string, string>();
  for (const [fullKey, value] of Object.entries(raw)) {
    const bare = fullKey.startsWith(`${namespace}:`) ? fullKey.slice(namespace.length + 1) : fullKey;
    if (bare.includes(":")) continue;
    if (!Object.hasOwn(schema, bare)) {
      if (options.strict)
        problems.push(`${namespace}:${bare} is not a known key (known: ${Object.keys(schema).join(", ")})`);
    } else if (value !== undefined && value !== "") {
      given.set(bare, value);
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    const fromEnv = spec.env ? options.env?.[spec.env]?.trim() : undefined;
    if (!given.has(key) && fromEnv) given.set(key, fromEnv);
  }

  const shown = (key: string, conceal: boolean): string => {
    if (schema[key]?.secret) return "(secret value not shown)";
    return conceal || schema[key]?.redacted ? "(value not shown)" : JSON.stringify(given.get(key));
  };
  const problem = (key: string, text: string, conceal = false): void =>
    void problems.push(`${namespace}:${key}: ${shown(key, conceal)} ${text}`);

  const values = new Map<string, KeyValue>();
  for (const [key, spec] of Object.entries(schema)) {
    const text = given.get(key);
    if (text === undefined) {
      if (spec.default === undefined) problems.push(`${namespace}:${key} is required`);
      if (spec.default !== undefined) values.set(key, spec.default);
      continue;
    }
    let value: KeyValue | undefined;
    if (spec.type === "boolean") {
      if (text === "true" || text === "false") value = text === "true";
      else problem(key, "is not a boolean (use true or false)");
    } else if (spec.type === "integer") {
      if (INTEGER.test(text)) value = Number(text);
      else problem(key, "is not an integer");
    } else {
      value = text;
    }
    const invalid = value === undefined ? undefined : spec.check?.(text);
    if (typeof invalid === "string") problem(key, invalid);
    else if (invalid !== undefined) problem(key, invalid.concealed, true);
    else if (value !== undefined) values.set(key, value);
  }
  return { values: new ConfigValues(values, new Set(given.keys())), problems, problem };
}

/** A check that accepts one of `allowed`. */
export const oneOf =
  (allowed: readonly string[]) =>
  (value: string): string | undefined =>
    allowed.includes(value) ? undefined : `is not one of ${allowed.join(", ")}`;

/** A check by regular expression. */
export const matching =
  (pattern: RegExp, what: string) =>
  (value: string): string | undefined =>
    pattern.test(value) ? undefined : `is not ${what}`;
