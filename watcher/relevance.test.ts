import { describe, expect, it } from "vitest";
import { id, node } from "../program/testing.ts";
import { routingRelevantChange } from "./relevance.ts";

const base = node("n1", {
  cidrs: ["172.16.1.0/24"],
  providerID: `ksyun://cn-beijing-6/${id(1)}`,
  annotations: { "kce.sdns.ksyun.com/instanceId": id(1), unrelated: "a" },
  labels: { "kubernetes.io/hostname": "n1" },
  systemUUID: id(1),
  addresses: [
    { type: "InternalIP", address: "10.0.0.1" },
    { type: "Hostname", address: "n1" },
  ],
});

const heartbeat = structuredClone(base);
heartbeat.metadata!.resourceVersion = "2";
heartbeat.status!.conditions = [
  { type: "Ready", status: "True", lastHeartbeatTime: new Date("2026-01-01T00:00:10Z"), reason: "KubeletReady" },
];
heartbeat.status!.images = [{ names: ["pause:3.9"], sizeBytes: 1 }];

const edit = (change: (n: typeof base) => void) => {
  const copy = structuredClone(base);
  change(copy);
  return copy;
};

describe("routingRelevantChange", () => {
  it.each([
    ["a heartbeat (conditions, images, resourceVersion)", heartbeat, false],
    ["an unrelated label", edit((n) => (n.metadata!.labels!.team = "x")), false],
    ["an unrelated annotation", edit((n) => (n.metadata!.annotations!.unrelated = "b")), false],
    ["the Hostname address", edit((n) => (n.status!.addresses![1]!.address = "n1.local")), false],
    [
      "Ready turning Unknown (a node keeps its route)",
      edit((n) => (n.status!.conditions![0]!.status = "Unknown")),
      false,
    ],
    ["spec.podCIDR", edit((n) => (n.spec!.podCIDR = "172.16.2.0/24")), true],
    ["spec.podCIDRs", edit((n) => n.spec!.podCIDRs!.push("fd00::/64")), true],
    ["spec.providerID", edit((n) => (n.spec!.providerID = `ksyun://cn-beijing-6/${id(2)}`)), true],
    [
      "the KCE 2.0 instance annotation",
      edit((n) => (n.metadata!.annotations!["kce.sdns.ksyun.com/instanceId"] = id(2))),
      true,
    ],
    [
      "the KCE 1.0 instance annotation added",
      edit((n) => (n.metadata!.annotations!["appengine.sdns.ksyun.com/instance-uuid"] = id(3))),
      true,
    ],
    [
      "the instance annotation removed",
      edit((n) => delete n.metadata!.annotations!["kce.sdns.ksyun.com/instanceId"]),
      true,
    ],
    ["an exclusion label added", edit((n) => (n.metadata!.labels!["service.ksyun.com/exclude-node"] = "")), true],
    [
      "the beta exclusion label added",
      edit((n) => (n.metadata!.labels!["service.beta.kubernetes.io/exclude-node"] = "true")),
      true,
    ],
    ["deletionTimestamp set", edit((n) => (n.metadata!.deletionTimestamp = new Date())), true],
    ["a new uid (node re-created under the same name)", edit((n) => (n.metadata!.uid = "uid-other")), true],
    ["status.nodeInfo.systemUUID", edit((n) => (n.status!.nodeInfo!.systemUUID = id(4))), true],
    ["the InternalIP", edit((n) => (n.status!.addresses![0]!.address = "10.0.0.2")), true],
  ])("%s → %s", (_, updated, relevant) => {
    expect(routingRelevantChange(base, updated)).toBe(relevant);
  });

  it("an exclusion label's value does not matter, only its presence", () => {
    const excluded = edit((n) => (n.metadata!.labels!["service.ksyun.com/exclude-node"] = "true"));
    const relabelled = edit((n) => (n.metadata!.labels!["service.ksyun.com/exclude-node"] = "yes"));
    expect(routingRelevantChange(excluded, relabelled)).toBe(false);
    expect(routingRelevantChange(relabelled, base)).toBe(true);
  });
});
