// Builders for table-driven tests of the pure core (not used by the program itself).
import type { V1Node } from "@kubernetes/client-node";

/** A distinct, valid KEC instance id per number. */
export const id = (n: number): string => `0e3e1d2c-7b6a-4f5e-8d9c-${n.toString(16).padStart(12, "0")}`;

export interface NodeOptions {
  /** spec.podCIDRs (spec.podCIDR is set to the first entry, as the API server does). */
  readonly cidrs?: readonly string[];
  /** Only spec.podCIDR, as on old API servers. */
  readonly podCIDR?: string;
  readonly providerID?: string;
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly deleting?: boolean;
  readonly ready?: "True" | "False" | "Unknown";
  readonly systemUUID?: string;
  readonly addresses?: readonly { type: string; address: string }[];
}

export function node(name: string, o: NodeOptions = {}): V1Node {
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      ...(o.annotations && { annotations: o.annotations }),
      ...(o.labels && { labels: o.labels }),
      ...(o.deleting && { deletionTimestamp: new Date("2026-01-01T00:00:00Z") }),
    },
    spec: {
      ...(o.cidrs && { podCIDRs: [...o.cidrs], podCIDR: o.cidrs[0] }),
      ...(o.podCIDR && { podCIDR: o.podCIDR }),
      ...(o.providerID && { providerID: o.providerID }),
    },
    status: {
      conditions: [{ type: "Ready", status: o.ready ?? "True" }],
      ...(o.addresses && { addresses: o.addresses.map((a) => ({ ...a })) }),
      ...(o.systemUUID && {
        nodeInfo: {
          systemUUID: o.systemUUID,
          architecture: "amd64",
          bootID: "b",
          containerRuntimeVersion: "containerd://2.0.0",
          kernelVersion: "6.1.0",
          kubeProxyVersion: "",
          kubeletVersion: "v1.34.4",
          machineID: "m",
          operatingSystem: "linux",
          osImage: "Debian",
        },
      }),
    },
  };
}
