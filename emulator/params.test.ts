import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.ts";
import { bodyPairs, decodePairs, flag, indexedList, mergeParams, parseFilters } from "./params.ts";

const params = (entries: Record<string, string>) => new Map(Object.entries(entries));

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof ApiError ? error.code : "not an ApiError";
  }
  return undefined;
}

describe("decodePairs", () => {
  it("decodes percent-encoding and '+' as a space, keeps keys without '='", () => {
    expect(decodePairs("a=10.0.0.0%2F8&b=x+y%20z&flag&&c=")).toEqual([
      ["a", "10.0.0.0/8"],
      ["b", "x y z"],
      ["flag", ""],
      ["c", ""],
    ]);
  });

  it("rejects malformed percent-encoding", () => {
    expect(codeOf(() => decodePairs("a=%E0%A4%A"))).toBe("InvalidParameterValue");
  });
});

describe("bodyPairs", () => {
  const body = (text: string) => Buffer.from(text);

  it("reads form bodies", () => {
    expect(bodyPairs("application/x-www-form-urlencoded; charset=utf-8", body("Action=DescribeRoutes"))).toEqual([
      ["Action", "DescribeRoutes"],
    ]);
  });

  it("reads a flat JSON body only when its keys are API parameter names", () => {
    expect(bodyPairs("application/json", body('{"MaxResults":10,"Filter.1.Name":"vpc-id"}'))).toEqual([
      ["MaxResults", "10"],
      ["Filter.1.Name", "vpc-id"],
    ]);
    expect(bodyPairs("application/json", body('{"domain_id":"x","cidrblock":"10.0.0.0/24"}'))).toEqual([]);
    expect(bodyPairs("application/json", body("<nil>"))).toEqual([]);
    expect(bodyPairs(undefined, body("Action=DescribeRoutes"))).toEqual([]);
  });
});

describe("mergeParams", () => {
  it("allows a repeated identical value and refuses conflicting ones", () => {
    expect(
      mergeParams([
        ["A", "1"],
        ["A", "1"],
      ]).get("A"),
    ).toBe("1");
    expect(
      codeOf(() =>
        mergeParams([
          ["A", "1"],
          ["A", "2"],
        ]),
      ),
    ).toBe("InvalidParameterValue");
  });
});

describe("indexedList", () => {
  it("orders by numeric index, 0- or 1-based, and ignores malformed indices", () => {
    const list = indexedList(
      params({ "RouteId.10": "j", "RouteId.2": "b", "RouteId.0": "z", "RouteId.01": "x", "RouteId.a": "y" }),
      "RouteId",
    );
    expect(list).toEqual(["z", "b", "j"]);
  });
});

describe("parseFilters", () => {
  it("groups names with their values in index order", () => {
    const filters = parseFilters(
      params({
        "Filter.2.Name": "route-type",
        "Filter.2.Value.1": "Host",
        "Filter.1.Name": "vpc-id",
        "Filter.1.Value.2": "b",
        "Filter.1.Value.1": "a",
      }),
      ["vpc-id", "route-type"],
    );
    expect(filters).toEqual([
      { name: "vpc-id", values: ["a", "b"] },
      { name: "route-type", values: ["Host"] },
    ]);
  });

  it("rejects unknown names, names without values and values without names", () => {
    expect(codeOf(() => parseFilters(params({ "Filter.1.Name": "x", "Filter.1.Value.1": "v" }), ["vpc-id"]))).toBe(
      "InvalidParameterValue",
    );
    expect(codeOf(() => parseFilters(params({ "Filter.1.Name": "vpc-id" }), ["vpc-id"]))).toBe("MissingParameter");
    expect(codeOf(() => parseFilters(params({ "Filter.1.Value.1": "v" }), ["vpc-id"]))).toBe("MissingParameter");
  });
});

describe("flag", () => {
  it("reads true/false in any case and rejects anything else", () => {
    expect(flag(params({ DryRun: "TRUE" }), "DryRun")).toBe(true);
    expect(flag(params({}), "DryRun")).toBe(false);
    expect(codeOf(() => flag(params({ DryRun: "yes" }), "DryRun"))).toBe("InvalidParameterValue");
  });
});
