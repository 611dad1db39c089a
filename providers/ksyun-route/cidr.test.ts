import { describe, expect, it } from "vitest";
import {
  cidrContains,
  cidrsOverlap,
  findOverlaps,
  formatIpv4Cidr,
  isIpv6Cidr,
  parseIpv4,
  parseIpv4Cidr,
} from "./cidr.ts";
import type { Ipv4Cidr } from "./cidr.ts";

function cidr(text: string): Ipv4Cidr {
  const parsed = parseIpv4Cidr(text);
  if (!parsed.ok) throw new Error(`test fixture ${text} ${parsed.problem}`);
  return parsed.cidr;
}

describe("parseIpv4Cidr", () => {
  const rows: { input: string; want: string }[] = [
    { input: "10.244.1.0/24", want: "10.244.1.0/24" },
    { input: "0.0.0.0/0", want: "0.0.0.0/0" },
    { input: "255.255.255.255/32", want: "255.255.255.255/32" },
    { input: "128.0.0.0/1", want: "128.0.0.0/1" },
    { input: "10.1.2.3/24", want: "is not canonical (its network is 10.1.2.0/24)" },
    { input: "10.0.0.1/0", want: "is not canonical (its network is 0.0.0.0/0)" },
    { input: "10.0.0.0/33", want: "is not an IPv4 CIDR" },
    { input: "10.0.0.0/08", want: "is not an IPv4 CIDR" },
    { input: "10.0.0.0/-1", want: "is not an IPv4 CIDR" },
    { input: "10.0.0.0/", want: "is not an IPv4 CIDR" },
    { input: "10.0.0.0", want: "is not an IPv4 CIDR" },
    { input: "10.0.0/8", want: "is not an IPv4 CIDR" },
    { input: "010.0.0.0/8", want: "is not an IPv4 CIDR" },
    { input: "256.0.0.0/8", want: "is not an IPv4 CIDR" },
    { input: " 10.0.0.0/8", want: "is not an IPv4 CIDR" },
    { input: "fd00::/64", want: "is not an IPv4 CIDR" },
    { input: "", want: "is not an IPv4 CIDR" },
  ];
  it.each(rows)("$input → $want", ({ input, want }) => {
    const parsed = parseIpv4Cidr(input);
    expect(parsed.ok ? formatIpv4Cidr(parsed.cidr) : parsed.problem).toBe(want);
  });
});

describe("parseIpv4", () => {
  const rows: { input: string; want: number | undefined }[] = [
    { input: "10.0.0.1", want: 0x0a000001 },
    { input: "255.255.255.255", want: 0xffffffff },
    { input: "0.0.0.0", want: 0 },
    { input: "1.2.3", want: undefined },
    { input: "1.2.3.4.5", want: undefined },
    { input: "01.2.3.4", want: undefined },
    { input: "1.2.3.256", want: undefined },
    { input: "1.2.3.x", want: undefined },
  ];
  it.each(rows)("$input", ({ input, want }) => expect(parseIpv4(input)).toBe(want));
});

describe("isIpv6Cidr", () => {
  const rows: { input: string; want: boolean }[] = [
    { input: "fd00::/64", want: true },
    { input: "::/0", want: true },
    { input: "fd00:10:244::/128", want: true },
    { input: "fd00::/129", want: false },
    { input: "fd00::", want: false },
    { input: "10.0.0.0/8", want: false },
    { input: "zz::/64", want: false },
  ];
  it.each(rows)("$input", ({ input, want }) => expect(isIpv6Cidr(input)).toBe(want));
});

describe("cidrContains and cidrsOverlap", () => {
  const rows: { outer: string; inner: string; contains: boolean; overlap: boolean }[] = [
    { outer: "10.244.0.0/16", inner: "10.244.1.0/24", contains: true, overlap: true },
    { outer: "10.244.0.0/16", inner: "10.244.0.0/16", contains: true, overlap: true },
    { outer: "10.244.0.0/16", inner: "10.245.0.0/24", contains: false, overlap: false },
    { outer: "10.244.1.0/24", inner: "10.244.0.0/16", contains: false, overlap: true },
    { outer: "10.244.0.0/16", inner: "10.244.0.0/15", contains: false, overlap: true },
    { outer: "0.0.0.0/0", inner: "192.168.1.1/32", contains: true, overlap: true },
    { outer: "10.0.0.0/25", inner: "10.0.0.128/25", contains: false, overlap: false },
    // Addresses with the top bit set exercise the unsigned arithmetic.
    { outer: "255.255.255.0/24", inner: "255.255.255.128/25", contains: true, overlap: true },
    { outer: "128.0.0.0/1", inner: "127.255.255.255/32", contains: false, overlap: false },
  ];
  it.each(rows)("$outer ⊇ $inner", ({ outer, inner, contains, overlap }) => {
    expect(cidrContains(cidr(outer), cidr(inner))).toBe(contains);
    expect(cidrsOverlap(cidr(outer), cidr(inner))).toBe(overlap);
    expect(cidrsOverlap(cidr(inner), cidr(outer))).toBe(overlap);
  });
});

describe("findOverlaps", () => {
  const rows: { name: string; cidrs: string[]; want: string[] }[] = [
    { name: "disjoint", cidrs: ["10.0.1.0/24", "10.0.0.0/24", "10.0.2.0/24"], want: [] },
    { name: "adjacent halves", cidrs: ["10.0.0.128/25", "10.0.0.0/25"], want: [] },
    { name: "equal", cidrs: ["10.0.2.0/24", "10.0.1.0/24", "10.0.1.0/24"], want: ["10.0.1.0/24~10.0.1.0/24"] },
    { name: "nested", cidrs: ["10.0.1.128/25", "10.0.0.0/23"], want: ["10.0.0.0/23~10.0.1.128/25"] },
    {
      name: "two inside one",
      cidrs: ["10.0.3.0/24", "10.0.0.0/16", "10.0.9.0/24", "10.1.0.0/24"],
      want: ["10.0.0.0/16~10.0.3.0/24", "10.0.0.0/16~10.0.9.0/24"],
    },
    {
      name: "top of the range",
      cidrs: ["255.255.255.0/24", "255.255.255.255/32"],
      want: ["255.255.255.0/24~255.255.255.255/32"],
    },
  ];
  it.each(rows)("$name", ({ cidrs, want }) => {
    const pairs = findOverlaps(cidrs, cidr).map(([a, b]) => `${a}~${b}`);
    expect(pairs).toEqual(want);
  });
});
