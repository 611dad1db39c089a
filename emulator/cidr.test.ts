import { describe, expect, it } from "vitest";
import { cidrContains, isNetworkCidr, parseCidr, parseIpv4 } from "./cidr.ts";

describe("cidr", () => {
  it("parses dotted decimal strictly", () => {
    expect(parseIpv4("10.0.1.23")).toBe(0x0a000117);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    for (const bad of ["10.0.1", "10.0.1.256", "10.0.01.1", "10.0.1.1.1", " 10.0.1.1", "a.b.c.d"]) {
      expect(parseIpv4(bad)).toBeUndefined();
    }
  });

  it("accepts only network addresses", () => {
    for (const good of ["10.244.3.0/24", "0.0.0.0/0", "10.0.1.23/32", "10.0.0.0/8"])
      expect(isNetworkCidr(good)).toBe(true);
    const bad = ["10.244.3.1/24", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0", "10.0.0.0/24/1", "1.0.0.0/0"];
    for (const prefix of ["", "-0", "-8", "1.5", " 8", "8 ", "1e1", "0x8", "NaN"]) bad.push(`10.0.0.0/${prefix}`);
    expect(bad.filter(isNetworkCidr)).toEqual([]);
  });

  it("tests containment", () => {
    const vpc = parseCidr("10.0.0.0/16");
    expect(vpc).toBeDefined();
    if (vpc === undefined) return;
    expect(cidrContains(vpc, parseIpv4("10.0.255.1") ?? 0)).toBe(true);
    expect(cidrContains(vpc, parseIpv4("10.1.0.1") ?? 0)).toBe(false);
  });
});
