// The emulator parses CIDRs and percent-encodes on its own (emulator/cidr.ts, emulator/sigv4.ts) so that it checks
// the provider rather than sharing its bugs; here both implementations must agree on many tricky inputs.
import { describe, expect, it } from "vitest";
import * as emulator from "../emulator/cidr.ts";
import { seededRandom } from "../emulator/random.ts";
import { canonicalQuery } from "../emulator/sigv4.ts";
import * as provider from "../providers/ksyun-route/cidr.ts";
import { encodeQuery } from "../providers/ksyun-route/client/query.ts";

const OCTETS = ["0", "0", "0", "1", "9", "10", "99", "100", "199", "255"];
const BAD_OCTETS = ["00", "01", "256", "300", "-1", " 1", "+1", "0x1", "1e1", ""];
const PREFIXES = ["/0", "/1", "/8", "/12", "/16", "/24", "/28", "/31", "/32"];
const BAD_PREFIXES = ["", "/", "/00", "/08", "/33", "/-1", "/1.5", "/ 8", "/8/8"];

/** Mostly well-formed dotted quads and CIDRs with a flaw now and then; a fixed seed keeps failures repeatable. */
function samples(count: number): { ip: string; cidr: string }[] {
  const random = seededRandom(14);
  const pick = <T>(from: readonly T[]): T => from[Math.floor(random() * from.length)]!;
  const either = <T>(good: readonly T[], bad: readonly T[]): T => (random() < 0.9 ? pick(good) : pick(bad));
  return Array.from({ length: count }, () => {
    const parts = random() < 0.9 ? 4 : pick([3, 5]);
    const ip = Array.from({ length: parts }, () => either(OCTETS, BAD_OCTETS)).join(".");
    return { ip, cidr: ip + either(PREFIXES, BAD_PREFIXES) };
  });
}

describe("the emulator's and the provider's CIDR parsers", () => {
  const inputs = samples(20_000);

  it("are exercised on both valid and invalid input", () => {
    for (const valid of [
      inputs.filter(({ ip }) => provider.parseIpv4(ip) !== undefined).length,
      inputs.filter(({ cidr }) => provider.parseIpv4Cidr(cidr).ok).length,
    ]) {
      expect(valid).toBeGreaterThan(inputs.length / 10);
      expect(valid).toBeLessThan(inputs.length - inputs.length / 10);
    }
  });

  it("agree on every address", () => {
    const disagree = inputs.filter(({ ip }) => emulator.parseIpv4(ip) !== provider.parseIpv4(ip));
    expect(disagree.map(({ ip }) => ip)).toEqual([]);
  });

  it("agree on which CIDRs are network CIDRs", () => {
    const disagree = inputs.filter(({ cidr }) => emulator.isNetworkCidr(cidr) !== provider.parseIpv4Cidr(cidr).ok);
    expect(disagree.map(({ cidr }) => cidr)).toEqual([]);
  });

  it("agree on containment", () => {
    const blocks = inputs.flatMap(({ cidr }) => {
      const parsed = provider.parseIpv4Cidr(cidr);
      return parsed.ok ? [{ text: cidr, block: parsed.cidr }] : [];
    });
    const addresses = inputs.flatMap(({ ip }) => provider.parseIpv4(ip) ?? []);
    const cases = blocks.map(({ text, block }, i) => {
      const address = addresses[i % addresses.length]!;
      return { text, address, inside: provider.cidrContains(block, { network: address, prefix: 32 }) };
    });
    const inside = cases.filter((c) => c.inside).length;
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThan(cases.length);
    const disagree = cases.filter(({ text, address, inside }) => {
      const mine = emulator.parseCidr(text);
      return mine === undefined || emulator.cidrContains(mine, address) !== inside;
    });
    expect(disagree).toEqual([]);
  });
});

describe("the emulator's and the client's query encoding", () => {
  it("agree on every ASCII character and on multi-byte UTF-8", () => {
    const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));
    const texts = [...ascii, "中文", "é", "\u00a0", "🚀", "10.244.3.0/24", "a b!'()*~"];
    expect(texts.filter((text) => canonicalQuery([[text, text]]) !== encodeQuery({ [text]: text }))).toEqual([]);
  });
});
