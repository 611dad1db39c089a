import { describe, expect, it } from "vitest";
import { formatIpv4Cidr, parseIpv4Cidr } from "@ksyun-route/provider/cidr";
import { readNodeFacts } from "./node-facts.ts";
import type { NodeFacts } from "./node-facts.ts";
import { id, node } from "./testing.ts";
import type { NodeOptions } from "./testing.ts";

const clusterCidr = parseIpv4Cidr("10.244.0.0/16");
if (!clusterCidr.ok) throw new Error("fixture");
const context = { podCidr: clusterCidr.cidr, vpcInstanceIds: new Set([id(7)]) };
const CIDR = ["10.244.1.0/24"];
const IP = [{ type: "InternalIP", address: "192.168.0.10" }];

/** One line per outcome, so a row states the whole expected fact. */
function summary(f: NodeFacts): string {
  if (f.status === "skip") return `skip (${f.kind}): ${f.reason}`;
  const cidr = formatIpv4Cidr(f.podCidr);
  if (f.status === "routable") return `route ${cidr} ${f.instanceId} via ${f.source}`;
  return `lookup ${cidr} ${f.internalIp} (${f.tried.join("; ")})`;
}

const rows: { name: string; node: NodeOptions; want: string }[] = [
  // Instance id sources, first found wins.
  {
    name: "KCE 1.0 annotation beats KCE 2.0 annotation and providerID",
    node: {
      cidrs: CIDR,
      annotations: { "appengine.sdns.ksyun.com/instance-uuid": id(1), "kce.sdns.ksyun.com/instanceId": id(2) },
      providerID: id(3),
    },
    want: `route 10.244.1.0/24 ${id(1)} via annotation:appengine.sdns.ksyun.com/instance-uuid`,
  },
  {
    name: "KCE 2.0 annotation beats providerID",
    node: { cidrs: CIDR, annotations: { "kce.sdns.ksyun.com/instanceId": id(2) }, providerID: id(3) },
    want: `route 10.244.1.0/24 ${id(2)} via annotation:kce.sdns.ksyun.com/instanceId`,
  },
  {
    name: "annotation written untrimmed and upper-case is normalised",
    node: { cidrs: CIDR, annotations: { "kce.sdns.ksyun.com/instanceId": ` ${id(2).toUpperCase()}\n` } },
    want: `route 10.244.1.0/24 ${id(2)} via annotation:kce.sdns.ksyun.com/instanceId`,
  },
  {
    name: "invalid annotation falls through to providerID",
    node: { cidrs: CIDR, annotations: { "kce.sdns.ksyun.com/instanceId": "i-123" }, providerID: id(3) },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "empty annotation is ignored",
    node: { cidrs: CIDR, annotations: { "appengine.sdns.ksyun.com/instance-uuid": "" }, providerID: id(3) },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "providerID bare id",
    node: { cidrs: CIDR, providerID: id(3) },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "providerID ksyun://<region>/<id>",
    node: { cidrs: CIDR, providerID: `ksyun://cn-beijing-6a/${id(3)}` },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "providerID ksyun:///<region>/<id>",
    node: { cidrs: CIDR, providerID: `ksyun:///cn-beijing-6/${id(3)}` },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "providerID kce://<id>",
    node: { cidrs: CIDR, providerID: `kce://${id(3)}` },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "foreign providerID falls through to systemUUID of a VPC instance (upper-case DMI value)",
    node: { cidrs: CIDR, providerID: "aws:///us-east-1a/i-0abc", systemUUID: id(7).toUpperCase() },
    want: `route 10.244.1.0/24 ${id(7)} via status.nodeInfo.systemUUID`,
  },
  {
    name: "providerID with trailing slash is not an id",
    node: { cidrs: CIDR, providerID: `ksyun://${id(3)}/`, addresses: IP },
    want: `lookup 10.244.1.0/24 192.168.0.10 (spec.providerID "ksyun://${id(3)}/" does not end in a KEC instance id)`,
  },
  {
    name: "systemUUID that is not a VPC instance needs the InternalIP lookup",
    node: { cidrs: CIDR, systemUUID: id(8), addresses: IP },
    want: `lookup 10.244.1.0/24 192.168.0.10 (status.nodeInfo.systemUUID "${id(8)}" is not an instance of the VPC)`,
  },
  {
    name: "no id source: the first IPv4 InternalIP is looked up",
    node: {
      cidrs: CIDR,
      addresses: [
        { type: "ExternalIP", address: "1.2.3.4" },
        { type: "InternalIP", address: "fd00::10" },
        { type: "InternalIP", address: "192.168.0.11" },
        { type: "InternalIP", address: "192.168.0.12" },
      ],
    },
    want: "lookup 10.244.1.0/24 192.168.0.11 (no instance annotation, spec.providerID or status.nodeInfo.systemUUID)",
  },
  {
    name: "no id source and no InternalIP",
    node: { cidrs: CIDR, addresses: [{ type: "Hostname", address: "n" }] },
    want: "skip (trouble): no KEC instance id: no instance annotation, spec.providerID or status.nodeInfo.systemUUID; no IPv4 InternalIP to look up",
  },
  // Pod CIDR choice.
  {
    name: "dual-stack, IPv4 first",
    node: { cidrs: ["10.244.1.0/24", "fd00:10:244:1::/64"], providerID: id(3) },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "dual-stack, IPv6 first",
    node: { cidrs: ["fd00:10:244:1::/64", "10.244.2.0/24"], providerID: id(3) },
    want: `route 10.244.2.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "only spec.podCIDR (old API server)",
    node: { podCIDR: "10.244.3.0/24", providerID: id(3) },
    want: `route 10.244.3.0/24 ${id(3)} via spec.providerID`,
  },
  { name: "no pod CIDR yet", node: { providerID: id(3) }, want: "skip (unroutable): no pod CIDR assigned yet" },
  {
    name: "IPv6-only is reported, not routed",
    node: { cidrs: ["fd00:10:244:1::/64"], providerID: id(3) },
    want: "skip (unroutable): IPv6-only pod CIDRs fd00:10:244:1::/64 are not routed (VPC host routes are IPv4)",
  },
  {
    name: "non-canonical pod CIDR",
    node: { cidrs: ["10.244.1.3/24"], providerID: id(3) },
    want: 'skip (trouble): pod CIDR "10.244.1.3/24" is not canonical (its network is 10.244.1.0/24)',
  },
  {
    name: "unparseable pod CIDR",
    node: { cidrs: ["10.244.1.0/33"], providerID: id(3) },
    want: 'skip (trouble): pod CIDR "10.244.1.0/33" is not an IPv4 CIDR',
  },
  {
    name: "pod CIDR outside the cluster podCidr",
    node: { cidrs: ["10.245.1.0/24"], providerID: id(3) },
    want: "skip (trouble): pod CIDR 10.245.1.0/24 is outside ksyun-route:podCidr 10.244.0.0/16",
  },
  {
    name: "pod CIDR wider than the cluster podCidr",
    node: { cidrs: ["10.244.0.0/15"], providerID: id(3) },
    want: "skip (trouble): pod CIDR 10.244.0.0/15 is outside ksyun-route:podCidr 10.244.0.0/16",
  },
  // Exclusion, deletion, readiness.
  {
    name: "exclusion label, empty value",
    node: { cidrs: CIDR, providerID: id(3), labels: { "service.ksyun.com/exclude-node": "" } },
    want: "skip (excluded): excluded by label service.ksyun.com/exclude-node",
  },
  {
    name: "deprecated exclusion label, value false still excludes",
    node: { cidrs: CIDR, providerID: id(3), labels: { "service.beta.kubernetes.io/exclude-node": "false" } },
    want: "skip (excluded): excluded by label service.beta.kubernetes.io/exclude-node",
  },
  {
    name: "node being deleted",
    node: { cidrs: CIDR, providerID: id(3), deleting: true },
    want: "skip (excluded): being deleted (metadata.deletionTimestamp is set)",
  },
  {
    name: "Ready=Unknown keeps the route",
    node: { cidrs: CIDR, providerID: id(3), ready: "Unknown" },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
  {
    name: "Ready=False keeps the route",
    node: { cidrs: CIDR, providerID: id(3), ready: "False" },
    want: `route 10.244.1.0/24 ${id(3)} via spec.providerID`,
  },
];

describe("readNodeFacts", () => {
  it.each(rows)("$name", ({ node: options, want }) => {
    expect(summary(readNodeFacts(node("n1", options), context))).toBe(want);
  });

  it("a node without metadata.name is skipped", () => {
    expect(readNodeFacts({ spec: { podCIDRs: CIDR, providerID: id(3) } }, context)).toEqual({
      name: "",
      status: "skip",
      reason: "node has no metadata.name",
      kind: "unroutable",
    });
  });
});
