// The I/O edge of the program: the live Node list, the KEC facts the planner needs, and the plan. Every
// lookup is batched and made once per run; a failed lookup throws rather than looking like "no nodes".
import { clientFromSettings, readSettings } from "@ksyun-route/provider/settings";
import type { V1Node } from "@kubernetes/client-node";
import { loadKubeConfig, listNodes } from "./cluster.ts";
import { NAMESPACE, type ProgramConfig } from "./config.ts";
import { instancesByPrivateIp, vpcInstanceIds } from "./instances.ts";
import { ipLookupsNeeded, planRoutes, systemUuidsToCheck, type ManagedRoute, type RoutePlan } from "./plan.ts";

export interface Facts {
  nodes: V1Node[];
  plan: RoutePlan;
}

export async function gatherFacts(
  config: ProgramConfig,
  raw: Readonly<Record<string, string | undefined>>,
  current: () => Promise<ManagedRoute[]>,
): Promise<Facts> {
  const nodes = await listNodes(loadKubeConfig(config.kubeconfig, config.kubeContext));
  const client = clientFromSettings(readSettings((key) => raw[`${NAMESPACE}:${key}`]));
  try {
    const candidates = systemUuidsToCheck({ nodes, podCidr: config.podCidr });
    const nodeList = {
      nodes,
      podCidr: config.podCidr,
      vpcInstanceIds: candidates.length ? await vpcInstanceIds(client, config.vpcId, candidates) : new Set<string>(),
    };
    const ips = ipLookupsNeeded(nodeList);
    const plan = planRoutes({
      ...nodeList,
      ipToInstance: ips.length ? await instancesByPrivateIp(client, config.vpcId, ips) : new Map(),
      current: await current(),
      maxRouteDeletes: config.maxRouteDeletes,
      allowMassDeletion: config.allowMassDeletion,
    });
    return { nodes, plan };
  } finally {
    client.close();
  }
}
