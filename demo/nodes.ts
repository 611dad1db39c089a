// Example nodes for the demo and tests: each finds its instance id a different way, one is excluded.
import type { V1Node } from "@kubernetes/client-node";

export interface ExampleNode {
  name: string;
  podCidr: string;
  internalIp: string;
  instanceId?: string;
  how: "annotation" | "providerID" | "InternalIP" | "excluded";
}

export function nodeManifest(node: ExampleNode): V1Node {
  return {
    metadata: {
      name: node.name,
      labels: node.how === "excluded" ? { "service.ksyun.com/exclude-node": "true" } : {},
      annotations:
        node.how === "annotation" && node.instanceId ? { "kce.sdns.ksyun.com/instanceId": node.instanceId } : {},
    },
    spec: {
      podCIDR: node.podCidr,
      podCIDRs: [node.podCidr],
      ...(node.how === "providerID" && node.instanceId
        ? { providerID: `ksyun://cn-beijing-6/${node.instanceId}` }
        : {}),
    },
    status: {
      addresses: [{ type: "InternalIP", address: node.internalIp }],
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

/** Matches emulator/seeds/demo.json. */
export const DEMO_NODES: ExampleNode[] = [
  {
    name: "node-1",
    podCidr: "172.16.1.0/24",
    internalIp: "10.0.1.11",
    instanceId: "7c5e6b72-c0f4-449d-aff9-3f2eaf334f07",
    how: "annotation",
  },
  {
    name: "node-2",
    podCidr: "172.16.2.0/24",
    internalIp: "10.0.1.12",
    instanceId: "4e83defb-1a76-4eee-8fb9-44665e09081c",
    how: "providerID",
  },
  { name: "node-3", podCidr: "172.16.3.0/24", internalIp: "10.0.1.13", how: "InternalIP" },
  { name: "node-4", podCidr: "172.16.4.0/24", internalIp: "10.0.1.14", how: "excluded" },
];
