/** Strict IPv4 and CIDR parsing: dotted decimal without leading zeros, as KSYun's validators expect. */
import { parseIpv4 } from "../providers/ksyun-route/cidr.ts";

export { parseIpv4 };

const PREFIX = /^(0|[1-9]\d?)$/;

export interface Cidr {
  address: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const [ip, prefixText, ...rest] = text.split("/");
  if (ip === undefined || prefixText === undefined || rest.length > 0 || !PREFIX.test(prefixText)) return undefined;
  const address = parseIpv4(ip);
  const prefix = Number(prefixText);
  if (address === undefined || prefix > 32) return undefined;
  return { address, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** True when `text` is a CIDR whose address is its network address (10.244.3.0/24, not 10.244.3.1/24). */
export function isNetworkCidr(text: string): boolean {
  const cidr = parseCidr(text);
  return cidr !== undefined && (cidr.address & mask(cidr.prefix)) >>> 0 === cidr.address;
}

export function cidrContains(cidr: Cidr, address: number): boolean {
  return (address & mask(cidr.prefix)) >>> 0 === (cidr.address & mask(cidr.prefix)) >>> 0;
}
