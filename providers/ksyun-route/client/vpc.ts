import type { Api } from "./api.ts";
import { KsyunApiError } from "./errors.ts";
import type { ApiRequest } from "./http.ts";
import { compact, optionalBoolean, optionalString, records, requiredString } from "./parse.ts";
import { DEFAULT_PAGE_SIZE, filterParams, listParams, scalarParams } from "./query.ts";
import type { Filter, QueryParams } from "./query.ts";
import type { ApiResponse } from "./response.ts";
import type {
  CreateRouteInput,
  CreateRouteResult,
  DeleteRouteInput,
  DescribeRoutesInput,
  DescribeVpcsInput,
  Route,
  RoutePage,
  Vpc,
  VpcPage,
} from "./types.ts";

// The original controller sends this header on every route call of a trust VPC (its neutron/route.go).
const TRUST_HEADERS = { "X-ProductTag-Source": "trust" };

function pagingParams(maxResults?: number, nextToken?: string): QueryParams {
  return scalarParams({ MaxResults: maxResults, NextToken: nextToken });
}

function nextToken(response: ApiResponse): string | undefined {
  return optionalString(response, "NextToken") || undefined;
}

function parseRoute(raw: Record<string, unknown>, where: string): Route {
  return compact({
    routeId: requiredString(raw, "RouteId", where),
    vpcId: requiredString(raw, "VpcId", where),
    destinationCidrBlock: requiredString(raw, "DestinationCidrBlock", where),
    routeType: requiredString(raw, "RouteType", where),
    nextHopSet: records(raw, "NextHopSet", where).map((hop, i) =>
      compact({
        gatewayId: requiredString(hop, "GatewayId", `${where}.NextHopSet[${i}]`),
        gatewayName: optionalString(hop, "GatewayName"),
        networkInterfaceId: optionalString(hop, "NetworkInterfaceId"),
        mac: optionalString(hop, "Mac"),
      }),
    ),
    createTime: optionalString(raw, "CreateTime"),
    system: optionalBoolean(raw, "System"),
    description: optionalString(raw, "Description"),
    routeTableId: optionalString(raw, "RouteTableId"),
    status: optionalString(raw, "Status"),
    routeEntryType: optionalString(raw, "RouteEntryType"),
    routePublishStatus: optionalString(raw, "RoutePublishStatus"),
  });
}

export function parseRoutePage(response: ApiResponse): RoutePage {
  const routes = records(response, "RouteSet", "DescribeRoutes").map((r, i) => parseRoute(r, `RouteSet[${i}]`));
  return compact({ routes, nextToken: nextToken(response) });
}

export function parseVpcPage(response: ApiResponse): VpcPage {
  const vpcs = records(response, "VpcSet", "DescribeVpcs").map((raw, i): Vpc =>
    compact({
      vpcId: requiredString(raw, "VpcId", `VpcSet[${i}]`),
      vpcName: optionalString(raw, "VpcName"),
      cidrBlock: optionalString(raw, "CidrBlock"),
      isDefault: optionalBoolean(raw, "IsDefault"),
      createTime: optionalString(raw, "CreateTime"),
      productTag: optionalString(raw, "ProductTag"),
    }),
  );
  return compact({ vpcs, nextToken: nextToken(response) });
}

export function describeRoutesRequest(input: DescribeRoutesInput, trust: boolean): ApiRequest {
  const filters: Filter[] = [
    ...(input.vpcId ? [{ name: "vpc-id", values: [input.vpcId] }] : []),
    ...(input.filters ?? []),
  ];
  return {
    service: "vpc",
    action: "DescribeRoutes",
    params: {
      ...listParams("RouteId", input.routeIds),
      ...filterParams(filters),
      ...pagingParams(input.maxResults, input.nextToken),
    },
    ...(trust ? { headers: TRUST_HEADERS } : {}),
  };
}

export function describeVpcsRequest(input: DescribeVpcsInput): ApiRequest {
  return {
    service: "vpc",
    action: "DescribeVpcs",
    params: {
      ...listParams("VpcId", input.vpcIds),
      ...filterParams(input.filters ?? []),
      ...pagingParams(input.maxResults, input.nextToken),
    },
  };
}

/** Follows NextToken until it is absent or empty; a repeated token is an error rather than an endless loop. */
export async function* routePages(
  describe: (input: DescribeRoutesInput) => Promise<RoutePage>,
  input: DescribeRoutesInput,
): AsyncGenerator<Route[]> {
  const seen = new Set<string>();
  let token = input.nextToken;
  do {
    const page = await describe({ ...input, maxResults: input.maxResults ?? DEFAULT_PAGE_SIZE, nextToken: token });
    yield page.routes;
    token = page.nextToken;
    if (token !== undefined && seen.has(token)) {
      throw new KsyunApiError({
        action: "DescribeRoutes",
        code: "UnexpectedResponse",
        serverMessage: `NextToken ${token} repeated`,
        httpStatus: 200,
        kind: "unknown",
      });
    }
    if (token !== undefined) seen.add(token);
  } while (token !== undefined);
}

/**
 * CreateRoute (CreateTrustRoute in trust VPCs) with RouteType Host. After a transient failure the request may
 * have created the route, so before any re-send it looks for a route with that destination and next hop.
 */
export function createRoute(api: Api, input: CreateRouteInput, trust: boolean): Promise<CreateRouteResult> {
  const request: ApiRequest = {
    service: "vpc",
    action: trust ? "CreateTrustRoute" : "CreateRoute",
    params: scalarParams({
      VpcId: input.vpcId,
      RouteType: "Host",
      DestinationCidrBlock: input.destinationCidrBlock,
      InstanceId: input.instanceId,
      Description: input.description,
      RouteTableId: input.routeTableId,
    }),
    ...(trust ? { headers: TRUST_HEADERS } : {}),
  };
  const lookup = describeRoutesRequest(
    { vpcId: input.vpcId, filters: [{ name: "destination-cidr-block", values: [input.destinationCidrBlock] }] },
    trust,
  );
  let ambiguous = false;
  return api.retrying(request.action, async () => {
    if (ambiguous) {
      // Retried on its own: a throttled or failed lookup must not use up an attempt of the create.
      const { routes } = await api.call(lookup, parseRoutePage);
      const existing = routes.find(
        (route) =>
          route.destinationCidrBlock === input.destinationCidrBlock &&
          route.nextHopSet.some((hop) => hop.gatewayId === input.instanceId),
      );
      if (existing) return { routeId: existing.routeId, recovered: true };
    }
    try {
      const routeId = await api.send(request, (response) => requiredString(response, "RouteId", request.action));
      return { routeId, recovered: false };
    } catch (error) {
      if (error instanceof KsyunApiError && error.kind === "transient") ambiguous = true;
      throw error;
    }
  });
}

export function deleteRoute(api: Api, input: DeleteRouteInput, trust: boolean): Promise<void> {
  const action = trust ? "DeleteTrustRoute" : "DeleteRoute";
  return api.call(
    { service: "vpc", action, params: { RouteId: input.routeId }, ...(trust ? { headers: TRUST_HEADERS } : {}) },
    (response) => {
      // The original ignores Return; only an explicit false is a failure.
      if (optionalBoolean(response, "Return") === false) throw new Error(`${action} returned false`);
    },
  );
}
