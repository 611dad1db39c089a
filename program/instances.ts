// The KSYun edge of the planner: the instance facts a node list needs, each fetched once per run.
import type { KsyunClient } from "@ksyun-route/provider/client";

const BATCH = 100;

function batches<T>(items: readonly T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));
}

/** Which of the candidate ids are instances of the VPC. */
export async function vpcInstanceIds(client: KsyunClient, vpcId: string, candidates: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const instanceIds of batches([...new Set(candidates)])) {
    for await (const page of client.instancePages({ vpcId, instanceIds })) page.forEach((i) => found.add(i.instanceId));
  }
  return found;
}

/** InternalIP → instance id within the VPC, for the IPs given. */
export async function instancesByPrivateIp(
  client: KsyunClient,
  vpcId: string,
  ips: readonly string[],
): Promise<Map<string, string>> {
  const byIp = new Map<string, string>();
  for (const privateIpAddresses of batches(ips)) {
    for await (const page of client.instancePages({ vpcId, privateIpAddresses })) {
      for (const instance of page)
        if (instance.privateIpAddress) byIp.set(instance.privateIpAddress, instance.instanceId);
    }
  }
  return byIp;
}
