/** Tiny JSON shape checks whose errors name the offending field, e.g. `seed.vpcs[0].cidrBlock: …`. */

export class ValidationError extends Error {}

export interface Check {
  test: (value: string) => boolean;
  expected: string;
}

export type JsonObject = Record<string, unknown>;

/** `allowedKeys` undefined = any keys. */
export function object(raw: unknown, path: string, allowedKeys?: readonly string[]): JsonObject {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ValidationError(`${path}: expected an object, got ${describe(raw)}`);
  }
  for (const key of Object.keys(raw)) {
    if (allowedKeys !== undefined && !allowedKeys.includes(key)) {
      throw new ValidationError(`${path}.${key}: unknown field (allowed: ${allowedKeys.join(", ")})`);
    }
  }
  return raw as JsonObject;
}

export function array(raw: unknown, path: string): unknown[] {
  if (!Array.isArray(raw)) throw new ValidationError(`${path}: expected an array, got ${describe(raw)}`);
  return raw;
}

export function optionalText(obj: JsonObject, key: string, path: string, check?: Check): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new ValidationError(`${path}.${key}: expected a non-empty string, got ${describe(value)}`);
  }
  if (check !== undefined && !check.test(value)) {
    throw new ValidationError(`${path}.${key}: expected ${check.expected}, got ${describe(value)}`);
  }
  return value;
}

export function text(obj: JsonObject, key: string, path: string, check?: Check): string {
  const value = optionalText(obj, key, path, check);
  if (value === undefined) throw new ValidationError(`${path}.${key}: required`);
  return value;
}

export function optionalNumber(obj: JsonObject, key: string, path: string, min: number, integer: boolean) {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a number";
    throw new ValidationError(`${path}.${key}: expected ${kind} >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
