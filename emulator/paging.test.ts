import { describe, expect, it } from "vitest";
import { pageOf, ResultCache } from "./paging.ts";

describe("pageOf", () => {
  const rows = [1, 2, 3, 4, 5, 6, 7];

  it("returns the window and the next offset while rows remain", () => {
    expect(pageOf(rows, { offset: 0, size: 5 })).toEqual({ items: [1, 2, 3, 4, 5], next: 5 });
    expect(pageOf(rows, { offset: 5, size: 5 })).toEqual({ items: [6, 7] });
    expect(pageOf(rows, { offset: 0 })).toEqual({ items: rows });
    expect(pageOf(rows, { offset: 10, size: 5 })).toEqual({ items: [] });
  });
});

describe("ResultCache", () => {
  it("computes once per query and store version", () => {
    const cache = new ResultCache<number>(2);
    let computed = 0;
    const compute = () => [++computed];
    expect(cache.rows("q", 1, compute)).toEqual([1]);
    expect(cache.rows("q", 1, compute)).toEqual([1]);
    expect(cache.rows("q", 2, compute)).toEqual([2]);
    cache.rows("a", 2, compute);
    cache.rows("b", 2, compute);
    expect(cache.rows("q", 2, compute)).toEqual([5]);
  });
});
