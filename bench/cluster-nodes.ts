// Nodes as a kubelet registers them, for the benchmarks: node i on the emulator's extra instance i.
import * as k8s from "@kubernetes/client-node";
import { extraInstance, extraNode } from "../test/e2e/watcher-nodes.ts";

/** Room for 8,192 nodes of a /25 each, outside the VPC's 10.0.0.0/16. */
export const POD_CIDR = "172.16.0.0/12";
export const CREATE_CONCURRENCY = 50;

/** Node i's pod CIDR: the i-th /25 of POD_CIDR. */
export function podCidr(i: number): string {
  const address = (172 << 24) + (16 << 16) + i * 128;
  return `${[24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join(".")}/25`;
}

/** Node i as a kubelet registers it (labels, providerID, conditions, capacity, images), on extra instance i. */
export function clusterNode(i: number): k8s.V1Node {
  const name = `node-${i}`;
  const base = extraNode(name, podCidr(i), i);
  const { instanceId, privateIpAddress } = extraInstance(i);
  const now = new Date();
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: `kubelet reports ${reason}`,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    ...base,
    metadata: {
      ...base.metadata,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "S6.4B",
        "topology.kubernetes.io/region": "cn-beijing-6",
        "topology.kubernetes.io/zone": `cn-beijing-6${"abc"[i % 3]}`,
      },
      annotations: {
        ...base.metadata?.annotations,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: { ...base.spec, providerID: `ksyun://cn-beijing-6/${instanceId}` },
    status: {
      addresses: [
        { type: "InternalIP", address: privateIpAddress },
        { type: "Hostname", address: name },
      ],
      conditions: [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID"),
        condition("Ready", "True", "KubeletReady"),
      ],
      capacity: { cpu: "4", "ephemeral-storage": "102687672Ki", memory: "16247084Ki", pods: "110" },
      allocatable: { cpu: "4", "ephemeral-storage": "94636958846", memory: "16144684Ki", pods: "110" },
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: "amd64",
        bootID: `0b7e${String(i).padStart(4, "0")}-5f1c-4d2a-9e3b-6c7d8e9f0a1b`,
        containerRuntimeVersion: "containerd://1.7.27",
        kernelVersion: "5.15.0-139-generic",
        kubeProxyVersion: "",
        kubeletVersion: "v1.34.4",
        machineID: instanceId.replaceAll("-", ""),
        operatingSystem: "linux",
        osImage: "Ubuntu 22.04.5 LTS",
        systemUUID: instanceId.toUpperCase(),
      },
      images: ["calico/cni:v3.24.6", "pause:3.10", "kube-proxy:v1.34.4", "coredns:v1.12.0", "nginx:1.27"].map(
        (image, n) => ({ names: [`hub.kce.ksyun.com/ksyun/${image}`], sizeBytes: 10_000_000 * (n + 1) }),
      ),
    },
  };
}

/** `call(i)` for i from … from + count - 1, CREATE_CONCURRENCY at a time, as many kubelets at once would. */
async function eachNode(from: number, count: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: Math.min(CREATE_CONCURRENCY, count) }, async () => {
      for (let i = next++; i < from + count; i = next++) await call(i);
    }),
  );
}

/** Creates nodes from … from + count - 1, as kubelets registering at once would. */
export function createNodes(core: k8s.CoreV1Api, from: number, count: number): Promise<void> {
  return eachNode(from, count, (i) => core.createNode({ body: clusterNode(i) }));
}

/**
 * A kubelet heartbeat of nodes 0 … count - 1: `conditions` with a new lastHeartbeatTime, status updates an
 * informer parses in full and the watcher must ignore.
 */
export function heartbeats(
  core: k8s.CoreV1Api,
  count: number,
  conditions: readonly { type: string; status?: string }[],
): Promise<void> {
  const patch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch);
  return eachNode(0, count, (i) => {
    const now = new Date();
    const body = { status: { conditions: conditions.map((c) => ({ ...c, lastHeartbeatTime: now })) } };
    return core.patchNodeStatus({ name: `node-${i}`, body }, patch);
  });
}
