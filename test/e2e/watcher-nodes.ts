// Nodes beyond program-stack's six instances: each with its own emulated KEC instance, found by annotation.
import type { V1Node } from "@kubernetes/client-node";
import type { EmulatorControl } from "../../testenv/emulator-control.ts";
import { node, VPC } from "./program-stack.ts";

export function extraInstance(i: number) {
  return {
    instanceId: `3c4d5e6f-0000-4000-9000-${String(i).padStart(12, "0")}`,
    vpcId: VPC,
    privateIpAddress: `10.0.${20 + Math.floor(i / 250)}.${(i % 250) + 1}`,
  };
}

/** Registers instances `from` … `from + count - 1` with the emulator. */
export function addInstances(control: EmulatorControl, from: number, count: number): Promise<void> {
  return control.addInstances(Array.from({ length: count }, (_, i) => extraInstance(from + i)));
}

/** A node on extra instance `i`; its pod CIDR must be unique among the nodes. */
export function extraNode(name: string, podCidr: string, i: number): V1Node {
  const { instanceId, privateIpAddress } = extraInstance(i);
  return node(name, podCidr, 0, {
    metadata: { annotations: { "kce.sdns.ksyun.com/instanceId": instanceId } },
    status: { addresses: [{ type: "InternalIP", address: privateIpAddress }] },
  });
}
