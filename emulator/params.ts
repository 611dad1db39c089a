import { invalidValue, missingParameter } from "./errors.ts";

/** Request parameters after merging the query string and the body. */
export type Params = ReadonlyMap<string, string>;
export type Pair = [string, string];

/** Decodes `k=v&…` as received; `+` means a space because Go's url.QueryEscape sends spaces so. */
export function decodePairs(raw: string): Pair[] {
  const pairs: Pair[] = [];
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? "" : part.slice(eq + 1);
    pairs.push([decode(key, part), decode(value, part)]);
  }
  return pairs;
}

function decode(text: string, part: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    throw invalidValue("query", part, "malformed percent-encoding");
  }
}

/**
 * Parameters carried by the body: a form body always; a JSON body only when it is a flat object whose keys are
 * API parameter names — the original controller's unrelated JSON body is thereby ignored.
 */
export function bodyPairs(contentType: string | undefined, body: Buffer): Pair[] {
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("application/x-www-form-urlencoded")) return decodePairs(body.toString("utf8"));
  if (!type.includes("json")) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return [];
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return [];
  const entries = Object.entries(parsed);
  const isApiParameter = ([key, value]: [string, unknown]) =>
    /^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/.test(key) && ["string", "number", "boolean"].includes(typeof value);
  if (entries.length === 0 || !entries.every(isApiParameter)) return [];
  return entries.map(([key, value]) => [key, String(value)]);
}

/** A parameter repeated with different values is ambiguous; KSYun's behaviour is unknown, so refuse it. */
export function mergeParams(pairs: readonly Pair[]): Params {
  const params = new Map<string, string>();
  for (const [key, value] of pairs) {
    const previous = params.get(key);
    if (previous !== undefined && previous !== value)
      throw invalidValue(key, value, "given twice with different values");
    params.set(key, value);
  }
  return params;
}

export function required(params: Params, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === "") throw missingParameter(name);
  return value;
}

/** `DryRun` and similar booleans: `true`/`false` in any case, absent = false. */
export function flag(params: Params, name: string): boolean {
  const value = params.get(name);
  if (value === undefined) return false;
  if (!/^(true|false)$/i.test(value)) throw invalidValue(name, value, "expected true or false");
  return value.toLowerCase() === "true";
}

const INDEX = "(0|[1-9]\\d*)";

/** `Prefix.N` values ordered by N; sdk-go v2 and sdk-python count from 0, Terraform from 1: any N >= 0 is taken. */
export function indexedList(params: Params, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replaceAll(".", "\\.")}\\.${INDEX}$`);
  const found: Array<[number, string]> = [];
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) found.push([Number(match[1]), value]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

export interface Filter {
  name: string;
  values: string[];
}

/** `Filter.N.Name` / `Filter.N.Value.M`; values of one filter are OR-ed, filters AND-ed (as on AWS). */
export function parseFilters(params: Params, allowed: readonly string[]): Filter[] {
  type Group = { name?: string; values: Array<[number, string]> };
  const groups = new Map<number, Group>();
  const group = (n: number) => {
    const existing = groups.get(n);
    if (existing !== undefined) return existing;
    const created: Group = { values: [] };
    groups.set(n, created);
    return created;
  };
  const namePattern = new RegExp(`^Filter\\.${INDEX}\\.Name$`);
  const valuePattern = new RegExp(`^Filter\\.${INDEX}\\.Value\\.${INDEX}$`);
  for (const [key, value] of params) {
    const name = namePattern.exec(key);
    if (name) group(Number(name[1])).name = value;
    const item = valuePattern.exec(key);
    if (item) group(Number(item[1])).values.push([Number(item[2]), value]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([n, { name, values }]) => {
      if (name === undefined || name === "") throw missingParameter(`Filter.${n}.Name`);
      if (!allowed.includes(name)) {
        throw invalidValue(`Filter.${n}.Name`, name, `supported filters are ${allowed.join(", ")}`);
      }
      if (values.length === 0) throw missingParameter(`Filter.${n}.Value.1`);
      return { name, values: values.sort((a, b) => a[0] - b[0]).map(([, value]) => value) };
    });
}

/** True when every filter named `name` accepts `value` (absent filters accept everything). */
export function matches(filters: readonly Filter[], name: string, value: string | undefined): boolean {
  return filters.every((f) => f.name !== name || (value !== undefined && f.values.includes(value)));
}
