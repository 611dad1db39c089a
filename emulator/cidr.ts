// IPv4 and CIDR parsing of the emulator's own, written apart from the provider's (providers/ksyun-route/cidr.ts) and
// by another technique (node:net plus a round-trip check, arithmetic instead of bit masks), so that a bug in one
// is caught by the other rather than shared.
import { isIPv4 } from "node:net";

export interface Cidr {
  address: number;
  prefix: number;
}

/** True when `text` is the decimal form of an integer that prints back as `text` itself ("8", not "08" or " 8"). */
function isCanonicalInteger(text: string): boolean {
  return String(Number(text)) === text && Number.isInteger(Number(text));
}

/** Dotted decimal without leading zeros, as KSYun's validators expect ("010.0.0.1" and "10.1" are refused). */
export function parseIpv4(text: string): number | undefined {
  // isIPv4 refuses leading zeros today; the round trip keeps that so whatever node:net's rules become.
  if (!isIPv4(text)) return undefined;
  const octets = text.split(".");
  if (!octets.every(isCanonicalInteger)) return undefined;
  return Buffer.from(octets.map(Number)).readUInt32BE(0);
}

export function parseCidr(text: string): Cidr | undefined {
  const [ip, prefixText, ...rest] = text.split("/");
  if (ip === undefined || prefixText === undefined || rest.length > 0 || !isCanonicalInteger(prefixText)) {
    return undefined;
  }
  const address = parseIpv4(ip);
  const prefix = Number(prefixText);
  if (address === undefined || prefix < 0 || prefix > 32) return undefined;
  return { address, prefix };
}

/** How many addresses the block spans: its network address is a multiple of this. */
function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** True when `text` is a CIDR whose address is its network address (10.244.3.0/24, not 10.244.3.1/24). */
export function isNetworkCidr(text: string): boolean {
  const cidr = parseCidr(text);
  return cidr !== undefined && cidr.address % blockSize(cidr.prefix) === 0;
}

export function cidrContains(cidr: Cidr, address: number): boolean {
  const size = blockSize(cidr.prefix);
  return Math.floor(address / size) === Math.floor(cidr.address / size);
}
