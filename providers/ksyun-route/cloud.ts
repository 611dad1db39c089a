// The narrow seam between KSYun and what acts on routes (the dynamic provider, the watcher's event path): list,
// get by id, create, delete. Handed in, so the provider's logic is tested against a fake (test-support/fake-cloud.ts)
// and against the emulator through this implementation.
import { isKsyunApiError, type KsyunClient, type Route } from "./client/index.ts";
import type { CreateRouteInput, CreateRouteResult } from "./client/types.ts";

export interface RouteCloud {
  /**
   * The VPC's routes, all of them, or those to one destination (a query that fits one page). A full listing pages
   * by row offset (KSYun's NextToken), so one taken while routes come and go can skip rows.
   */
  list(vpcId: string, destination?: string): Promise<Route[]>;
  get(vpcId: string, routeId: string): Promise<Route | undefined>;
  create(input: CreateRouteInput): Promise<CreateRouteResult>;
  /** A route already gone counts as deleted; a VPC that cannot be found (wrong region?) does not. */
  delete(vpcId: string, routeId: string): Promise<void>;
}

export function ksyunCloud(client: KsyunClient): RouteCloud {
  return {
    list: (vpcId, destination) =>
      client.listVpcRoutes(vpcId, destination ? [{ name: "destination-cidr-block", values: [destination] }] : []),
    get: async (vpcId, routeId) => (await client.describeRoutes({ vpcId, routeIds: [routeId] })).routes[0],
    create: (input) => client.createRoute(input),
    async delete(vpcId, routeId) {
      try {
        await client.deleteRoute({ vpcId, routeId });
      } catch (error) {
        if (!isKsyunApiError(error) || error.kind !== "not-found" || !error.action.startsWith("Delete")) throw error;
      }
    },
  };
}

export function nextHopOf(route: Route): string | undefined {
  return route.nextHopSet[0]?.gatewayId;
}

export function isHostRouteTo(route: Route, instanceId: string): boolean {
  return route.routeType === "Host" && nextHopOf(route) === instanceId;
}
