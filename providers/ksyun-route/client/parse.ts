import { isRecord } from "./response.ts";

type Json = Record<string, unknown>;

// Readers for response fields; they throw plain Errors that Api.send turns into `UnexpectedResponse`.

export function requiredString(object: Json, key: string, where: string): string {
  const value = object[key];
  if (typeof value !== "string" || value === "") throw new Error(`${where}.${key} is missing or not a string`);
  return value;
}

/** Numbers are accepted too: ids such as ProjectId come as numbers in some responses. */
export function optionalString(object: Json, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

export function optionalNumber(object: Json, key: string): number | undefined {
  const value = object[key];
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : undefined;
}

export function optionalBoolean(object: Json, key: string): boolean | undefined {
  const value = object[key];
  return typeof value === "boolean" ? value : value === "true" ? true : value === "false" ? false : undefined;
}

/** A missing or null list is empty. */
export function records(object: Json, key: string, where: string): Json[] {
  const value = object[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every(isRecord)) throw new Error(`${where}.${key} is not a list of objects`);
  return value;
}

/** Drops undefined members so results compare and print cleanly. */
export function compact<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
