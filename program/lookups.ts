// The KSYun edge of the planner: the instance and route facts a plan needs, each fetched once per run, batched.
import type { KsyunClient, Route } from "@ksyun-route/provider/client";
import type { VpcRouteFact } from "./plan.ts";

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

/** The VPC's routes to the given destinations, by destination. */
export async function routesToDestinations(
  client: KsyunClient,
  vpcId: string,
  destinations: readonly string[],
): Promise<Map<string, VpcRouteFact>> {
  const byDestination = new Map<string, VpcRouteFact>();
  for (const values of batches([...new Set(destinations)])) {
    const routes = await client.listVpcRoutes(vpcId, [{ name: "destination-cidr-block", values }]);
    for (const route of routes) byDestination.set(route.destinationCidrBlock, routeFact(route));
  }
  return byDestination;
}

/** Which of the route ids still exist in the VPC. */
export async function routesById(
  client: KsyunClient,
  vpcId: string,
  routeIds: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const ids of batches([...new Set(routeIds)])) {
    for await (const page of client.routePages({ vpcId, routeIds: ids })) page.forEach((r) => found.add(r.routeId));
  }
  return found;
}

function routeFact(route: Route): VpcRouteFact {
  return { routeId: route.routeId, routeType: route.routeType, nextHop: route.nextHopSet[0]?.gatewayId };
}
