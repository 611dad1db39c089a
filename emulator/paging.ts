import { invalidValue } from "./errors.ts";
import type { Params } from "./params.ts";

/** A 0-based window; `size` undefined = every remaining row (no MaxResults means all: Terraform lists so). */
export interface Window {
  offset: number;
  size?: number;
}

// KEC takes MaxResults 5–1000 (kingsoftcloud/sdk-python); the VPC range is unknown and assumed the same.
const MIN_RESULTS = 5;
const MAX_RESULTS = 1000;

function maxResults(params: Params): number | undefined {
  const text = params.get("MaxResults");
  if (text === undefined) return undefined;
  const value = /^[1-9]\d*$/.test(text) ? Number(text) : NaN;
  if (!(value >= MIN_RESULTS && value <= MAX_RESULTS)) {
    throw invalidValue("MaxResults", text, `expected an integer from ${MIN_RESULTS} to ${MAX_RESULTS}`);
  }
  return value;
}

/** VPC lists: `NextToken` is a 1-based row offset as a string (what Terraform's pageQuery sends). */
export function tokenWindow(params: Params): Window {
  const size = maxResults(params);
  const token = params.get("NextToken");
  if (token === undefined || token === "") return { offset: 0, size };
  if (!/^[1-9]\d*$/.test(token)) throw invalidValue("NextToken", token, "not a NextToken returned by this API");
  return { offset: Number(token) - 1, size };
}

/** KEC DescribeInstances: `Marker` is a 0-based start offset, default 0 (kingsoftcloud/sdk-python's model). */
export function markerWindow(params: Params): Window {
  const size = maxResults(params);
  const marker = params.get("Marker");
  if (marker === undefined) return { offset: 0, size };
  if (!/^(0|[1-9]\d*)$/.test(marker)) throw invalidValue("Marker", marker, "expected a non-negative integer");
  return { offset: Number(marker), size };
}

/** The rows in the window and the 0-based offset of the next row, if any rows remain. */
export function pageOf<T>(rows: readonly T[], window: Window): { items: T[]; next?: number } {
  const end = window.size === undefined ? rows.length : Math.min(rows.length, window.offset + window.size);
  const items = rows.slice(window.offset, end);
  return end < rows.length ? { items, next: end } : { items };
}

/**
 * Remembers filtered result lists per query until the store changes, so walking N pages of a large
 * result costs one filter pass plus N slices instead of N filter passes.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, { version: number; rows: readonly T[] }>();
  private readonly limit: number;

  constructor(limit = 32) {
    this.limit = limit;
  }

  rows(key: string, version: number, compute: () => T[]): readonly T[] {
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.version === version) return hit.rows;
    const rows = compute();
    this.entries.delete(key);
    this.entries.set(key, { version, rows });
    const oldest = this.entries.keys().next();
    if (this.entries.size > this.limit && !oldest.done) this.entries.delete(oldest.value);
    return rows;
  }
}
