import { describe, expect, it } from "vitest";
import { encodeQuery, filterParams, listParams, scalarParams } from "./query.ts";

describe("query parameters", () => {
  it("numbers lists and filters from 1", () => {
    expect(listParams("RouteId", ["a", "b"])).toEqual({ "RouteId.1": "a", "RouteId.2": "b" });
    expect(
      filterParams([
        { name: "vpc-id", values: ["v"] },
        { name: "unused", values: [] },
        { name: "private-ip-address", values: ["10.0.0.1", "10.0.0.2"] },
      ]),
    ).toEqual({
      "Filter.1.Name": "vpc-id",
      "Filter.1.Value.1": "v",
      "Filter.2.Name": "private-ip-address",
      "Filter.2.Value.1": "10.0.0.1",
      "Filter.2.Value.2": "10.0.0.2",
    });
  });

  it("leaves out absent scalars and stringifies numbers", () => {
    expect(scalarParams({ MaxResults: 100, NextToken: undefined, VpcId: "v" })).toEqual({
      MaxResults: "100",
      VpcId: "v",
    });
  });

  it("sorts by key and encodes per RFC 3986", () => {
    expect(encodeQuery({ b: "10.0.0.0/24", a: "x y*!'()~", "Filter.10.Name": "n", "Filter.2.Name": "m" })).toBe(
      "Filter.10.Name=n&Filter.2.Name=m&a=x%20y%2A%21%27%28%29~&b=10.0.0.0%2F24",
    );
  });
});
