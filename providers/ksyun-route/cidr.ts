// IPv4 CIDR arithmetic on 32-bit integers. Hand-rolled rather than a library: the need is ~60 lines, and the
// common packages either accept forms we must reject (leading zeros, short "10.1" forms: ip, netmask), carry a
// CVE history (ip), or bring a far larger IPv4+IPv6 surface than we use (ipaddr.js, ip-address).
import { isIPv6 } from "node:net";

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefix: number;
}

export type CidrParse =
  { readonly ok: true; readonly cidr: Ipv4Cidr } | { readonly ok: false; readonly problem: string };

const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const PREFIX_V4 = /^(?:[0-9]|[12][0-9]|3[0-2])$/;
const PREFIX_V6 = /^(?:[0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;

/** Strict dotted quad ("010.0.0.1" and "10.1" are rejected, as Go's net.ParseIP does). */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export function formatIpv4Cidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** Parses "a.b.c.d/n"; a host address inside the block (10.1.2.3/24) is a problem, not silently masked. */
export function parseIpv4Cidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  const address = slash < 0 ? undefined : parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !PREFIX_V4.test(prefixText)) return { ok: false, problem: "is not an IPv4 CIDR" };
  const prefix = Number(prefixText);
  const network = (address & mask(prefix)) >>> 0;
  if (network !== address) {
    return { ok: false, problem: `is not canonical (its network is ${formatIpv4Cidr({ network, prefix })})` };
  }
  return { ok: true, cidr: { network, prefix } };
}

export function isIpv6Cidr(text: string): boolean {
  const slash = text.indexOf("/");
  return slash > 0 && isIPv6(text.slice(0, slash)) && PREFIX_V6.test(text.slice(slash + 1));
}

function lastAddress(cidr: Ipv4Cidr): number {
  return cidr.network + 2 ** (32 - cidr.prefix) - 1;
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return outer.prefix <= inner.prefix && (inner.network & mask(outer.prefix)) >>> 0 === outer.network;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/**
 * Every overlapping pair among items, in O(n log n): CIDR blocks either nest or are disjoint, so after sorting by
 * network (widest first) an item overlaps exactly when it starts inside the widest block seen so far.
 * Each overlapping item is paired with the first block that encloses it (or equals it).
 */
export function findOverlaps<T>(items: readonly T[], cidrOf: (item: T) => Ipv4Cidr): [T, T][] {
  const sorted = [...items].sort(
    (x, y) => cidrOf(x).network - cidrOf(y).network || cidrOf(x).prefix - cidrOf(y).prefix,
  );
  const pairs: [T, T][] = [];
  let widest: T | undefined;
  for (const item of sorted) {
    if (widest !== undefined && cidrOf(item).network <= lastAddress(cidrOf(widest))) {
      pairs.push([widest, item]);
    } else {
      widest = item;
    }
  }
  return pairs;
}
