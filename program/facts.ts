// The I/O edge of the program: the live Node list and the KSYun facts the planner needs, each lookup batched and
// made once per run, and only where a plan needs it. A failed lookup throws rather than looking like "no nodes".
// The caller plans (planWithFacts below, or the watcher's event path with facts of its own).
import type { V1Node } from "@kubernetes/client-node";
import type { KsyunClient } from "@ksyun-route/provider/client";
import type { Handoff } from "@ksyun-route/provider/handoff";
import type { KubeClient } from "../kube/client.ts";
import { listNodes } from "./cluster.ts";
import { instancesByPrivateIp, routesById, routesToDestinations, vpcInstanceIds } from "./lookups.ts";
import {
  ipLookupsNeeded,
  planRoutes,
  systemUuidsToCheck,
  type PlanInput,
  type RoutePlan,
  type VpcRouteFact,
} from "./plan.ts";

export interface Facts {
  readonly nodes: V1Node[];
  readonly vpcInstanceIds: ReadonlySet<string>;
  readonly ipToInstance: ReadonlyMap<string, string>;
}

/** The Nodes, and the instance lookups their facts need (systemUUIDs to confirm, InternalIPs to resolve). */
export async function gatherFacts(
  kube: KubeClient,
  client: KsyunClient,
  config: { readonly vpcId: string; readonly podCidr: string },
): Promise<Facts> {
  const nodes = await listNodes(kube);
  const candidates = systemUuidsToCheck({ nodes, podCidr: config.podCidr });
  const nodeList = {
    nodes,
    podCidr: config.podCidr,
    vpcInstanceIds: candidates.length ? await vpcInstanceIds(client, config.vpcId, candidates) : new Set<string>(),
  };
  const ips = ipLookupsNeeded(nodeList);
  return {
    ...nodeList,
    ipToInstance: ips.length ? await instancesByPrivateIp(client, config.vpcId, ips) : new Map(),
  };
}

/**
 * Plans, then checks with KSYun what the plan would newly do and plans again with the answers: the instances of
 * new routes (a missing one is that node's trouble), the destinations they take (another route there is that
 * node's conflict), and for withheld deletes whether the routes still exist. What the watcher's event path did
 * (`handoff`) is known already and not asked again.
 */
export async function planWithFacts(
  client: KsyunClient,
  vpcId: string,
  input: PlanInput,
  handoff: Handoff | undefined,
): Promise<RoutePlan> {
  const made = new Set((handoff?.created ?? []).map((r) => `${r.destinationCidrBlock} ${r.instanceId}`));
  const checks: {
    goneRouteIds: Set<string>;
    nodeTrouble?: ReadonlyMap<string, string>;
    missingInstances?: ReadonlyMap<string, string>;
    vpcRoutes?: ReadonlyMap<string, VpcRouteFact>;
  } = {
    goneRouteIds: new Set([...(handoff?.deleted ?? []), ...(input.goneRouteIds ?? [])]),
    ...(handoff && { nodeTrouble: new Map(Object.entries(handoff.trouble)) }),
  };
  const replan = () => planRoutes({ ...input, ...checks });
  let plan = replan();
  const isNew = (node: string) => plan.creates.includes(node) || plan.replaces.includes(node);
  const fresh = plan.routes.filter((r) => isNew(r.nodeName) && !made.has(`${r.destinationCidrBlock} ${r.instanceId}`));
  if (fresh.length > 0) {
    const instances = [...new Set(fresh.map((r) => r.instanceId))];
    const found = await vpcInstanceIds(client, vpcId, instances);
    checks.missingInstances = new Map(
      instances.filter((id) => !found.has(id)).map((id) => [id, `is not an instance of VPC ${vpcId}`] as const),
    );
    checks.vpcRoutes = await routesToDestinations(
      client,
      vpcId,
      fresh.map((r) => r.destinationCidrBlock),
    );
    plan = replan();
  }
  const unchecked = plan.withheld.flatMap((node) => {
    const routeId = input.current.find((r) => r.nodeName === node)?.routeId;
    return routeId && !checks.goneRouteIds.has(routeId) ? [routeId] : [];
  });
  if (unchecked.length > 0) {
    const existing = await routesById(client, vpcId, unchecked);
    for (const routeId of unchecked) if (!existing.has(routeId)) checks.goneRouteIds.add(routeId);
    plan = replan();
  }
  return plan;
}
