import { randomUUID } from "node:crypto";
import type { Action } from "./action.ts";
import { visibleVpc } from "./action.ts";
import { isNetworkCidr } from "./cidr.ts";
import {
  duplicateRoute,
  instanceNotFound,
  invalidAction,
  invalidValue,
  quotaExceeded,
  routeNotFound,
  vpcNotFound,
} from "./errors.ts";
import { formatCreateTime } from "./ids.ts";
import { pageOf, tokenWindow } from "./paging.ts";
import { indexedList, matches, parseFilters, required } from "./params.ts";
import { ROUTE_TYPES } from "./types.ts";
import type { Route, RouteType, Vpc } from "./types.ts";
import { routeView, vpcView } from "./views.ts";

/** The parameter naming each route type's next hop (Terraform's ksyun_route); InternetGateway needs none. */
const NEXT_HOP_PARAMETER: Record<RouteType, string | undefined> = {
  Host: "InstanceId",
  Tunnel: "TunnelId",
  Peering: "VpcPeeringConnectionId",
  DirectConnect: "DirectConnectGatewayId",
  Vpn: "VpnTunnelId",
  InternetGateway: undefined,
};

const ROUTE_FILTERS = ["vpc-id", "route-type", "destination-cidr-block", "instance-id"];

/**
 * Trust VPCs (ProductTag "trust") take routes only through CreateTrustRoute/DeleteTrustRoute, as the original
 * controller does; what KSYun answers for a mismatch is unknown, so say which action to use.
 */
function checkProduct(vpc: Vpc, trustAction: boolean): void {
  const trustVpc = vpc.productTag === "trust";
  if (trustVpc && !trustAction) {
    throw invalidValue("VpcId", vpc.vpcId, "a trust VPC; use CreateTrustRoute/DeleteTrustRoute");
  }
  if (!trustVpc && trustAction) throw invalidValue("VpcId", vpc.vpcId, "not a trust VPC; use CreateRoute/DeleteRoute");
}

/** Trust actions exist only for callers sending `X-ProductTag-Source: trust`; to anyone else they are unknown. */
function trustOnly(action: Action): Action {
  return (ctx) => {
    if (ctx.headers.get("x-producttag-source")?.[0]?.trim().toLowerCase() !== "trust") throw invalidAction();
    return action(ctx);
  };
}

function createRoute(trust: boolean): Action {
  return (ctx) => {
    const { params, store } = ctx;
    const vpcId = required(params, "VpcId");
    const destinationCidrBlock = required(params, "DestinationCidrBlock");
    if (!isNetworkCidr(destinationCidrBlock)) {
      throw invalidValue("DestinationCidrBlock", destinationCidrBlock, "expected a network CIDR such as 10.244.3.0/24");
    }
    const routeType = required(params, "RouteType");
    if (!(ROUTE_TYPES as readonly string[]).includes(routeType)) {
      throw invalidValue("RouteType", routeType, `expected one of ${ROUTE_TYPES.join(", ")}`);
    }
    const nextHopParameter = NEXT_HOP_PARAMETER[routeType as RouteType];
    const nextHop = nextHopParameter === undefined ? undefined : required(params, nextHopParameter);

    const vpc = visibleVpc(ctx, vpcId);
    if (vpc === undefined) throw vpcNotFound(vpcId);
    checkProduct(vpc, trust);
    if (routeType === "Host" && nextHop !== undefined && store.instance(nextHop)?.vpcId !== vpcId) {
      throw instanceNotFound(nextHop, vpcId);
    }
    if (store.routeTo(vpcId, destinationCidrBlock) !== undefined) throw duplicateRoute(destinationCidrBlock, vpcId);
    if (store.routeCount(vpcId) >= ctx.routeQuota) throw quotaExceeded(vpcId, ctx.routeQuota);

    return () => {
      const route: Route = {
        routeId: randomUUID(),
        vpcId,
        destinationCidrBlock,
        routeType: routeType as RouteType,
        createTime: formatCreateTime(new Date()),
      };
      if (routeType === "Host") route.instanceId = nextHop;
      else route.gatewayId = nextHop ?? randomUUID();
      store.addRoute(route);
      return { RouteId: route.routeId };
    };
  };
}

function deleteRoute(trust: boolean): Action {
  return (ctx) => {
    const routeId = required(ctx.params, "RouteId");
    const route = ctx.store.route(routeId);
    const vpc = route === undefined ? undefined : visibleVpc(ctx, route.vpcId);
    if (vpc === undefined) throw routeNotFound(routeId);
    checkProduct(vpc, trust);
    return () => {
      ctx.store.deleteRoute(routeId);
      return { Return: true };
    };
  };
}

/** Unknown RouteId.N values simply match nothing (terraform-provider-ksyun's testAccCheckRouteDestroy expects so). */
const describeRoutes: Action = (ctx) => {
  const { params, store, caller } = ctx;
  const routeIds = indexedList(params, "RouteId");
  const filters = parseFilters(params, ROUTE_FILTERS);
  const window = tokenWindow(params);
  const vpcFilter = filters.find((f) => f.name === "vpc-id");
  const compute = (): Route[] => {
    const candidates =
      routeIds.length > 0
        ? [...new Set(routeIds)].flatMap((id) => store.route(id) ?? [])
        : [...new Set(vpcFilter?.values ?? store.vpcs().map((vpc) => vpc.vpcId))].flatMap((id) => [
            ...store.routesIn(id),
          ]);
    return candidates.filter(
      (route) =>
        visibleVpc(ctx, route.vpcId) !== undefined &&
        matches(filters, "vpc-id", route.vpcId) &&
        matches(filters, "route-type", route.routeType) &&
        matches(filters, "destination-cidr-block", route.destinationCidrBlock) &&
        matches(filters, "instance-id", route.instanceId),
    );
  };
  return () => {
    const key = JSON.stringify([caller.region, routeIds, filters]);
    const page = pageOf(ctx.caches.routes.rows(key, store.version, compute), window);
    return withNextToken({ RouteSet: page.items.map((route) => routeView(route, store)) }, page.next);
  };
};

/** Unknown VpcId.N values match nothing; filters and paging follow the VPC-family conventions. */
const describeVpcs: Action = (ctx) => {
  const { params, store, caller } = ctx;
  const vpcIds = indexedList(params, "VpcId");
  const filters = parseFilters(params, ["vpc-id"]);
  const window = tokenWindow(params);
  const compute = () =>
    store
      .vpcs()
      .filter(
        (vpc) =>
          vpc.region === caller.region &&
          (vpcIds.length === 0 || vpcIds.includes(vpc.vpcId)) &&
          matches(filters, "vpc-id", vpc.vpcId),
      );
  return () => {
    const key = JSON.stringify([caller.region, vpcIds, filters]);
    const page = pageOf(ctx.caches.vpcs.rows(key, store.version, compute), window);
    return withNextToken({ VpcSet: page.items.map(vpcView) }, page.next);
  };
};

/** `NextToken`: the 1-based offset of the next row (Terraform's pageQuery sends 1, 201, …), only when rows remain. */
function withNextToken(body: object, next: number | undefined): object {
  return next === undefined ? body : { ...body, NextToken: String(next + 1) };
}

export const VPC_ACTIONS: ReadonlyMap<string, Action> = new Map(
  Object.entries({
    CreateRoute: createRoute(false),
    DeleteRoute: deleteRoute(false),
    CreateTrustRoute: trustOnly(createRoute(true)),
    DeleteTrustRoute: trustOnly(deleteRoute(true)),
    DescribeRoutes: describeRoutes,
    DescribeVpcs: describeVpcs,
  }),
);
