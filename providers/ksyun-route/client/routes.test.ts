import { describe, expect, it } from "vitest";
import type { KsyunClient } from "./client.ts";
import { apiError, startStubServer } from "./test-support/stub-server.ts";
import type { StubReply, StubRequest } from "./test-support/stub-server.ts";
import { testClient } from "./test-support/test-client.ts";

type WireRoute = {
  RouteId: string;
  VpcId: string;
  DestinationCidrBlock: string;
  RouteType: string;
  NextHopSet: { GatewayId: string }[];
};
type FirstCreate = "reset-before-create" | "reset-after-create" | "throttled" | "ok";

const VPC = "vpc-1";
const wireRoute = (id: number, cidr = `10.244.${id}.0/24`, instance = `i-${id}`): WireRoute => ({
  RouteId: `r-${id}`,
  VpcId: VPC,
  DestinationCidrBlock: cidr,
  RouteType: "Host",
  NextHopSet: [{ GatewayId: instance }],
});

/** Just enough of VPC route semantics: one VPC, filters by Name, NextToken as a 1-based offset. */
function fakeVpc(options: { productTag?: string; firstCreate?: FirstCreate; routes?: WireRoute[] } = {}) {
  const state = { routes: [...(options.routes ?? [])], calls: [] as string[], requests: [] as StubRequest[] };
  const filters = (p: Record<string, string>) =>
    Object.keys(p)
      .filter((k) => /^Filter\.\d+\.Name$/.test(k))
      .map((k) => [p[k], p[k.replace("Name", "Value.1")]] as const);
  const handle = (req: StubRequest): StubReply => {
    const p = req.params;
    const action = p.Action!;
    state.calls.push(action);
    state.requests.push(req);
    if (action === "DescribeVpcs") {
      const vpcs = p["VpcId.1"] === VPC ? [{ VpcId: VPC, ProductTag: options.productTag }] : [];
      return { body: { RequestId: "q", VpcSet: vpcs } };
    }
    if (action === "CreateRoute" || action === "CreateTrustRoute") {
      const first = state.calls.filter((c) => c === action).length === 1;
      const mode = first ? (options.firstCreate ?? "ok") : "ok";
      if (mode === "reset-before-create") return "reset";
      if (mode === "throttled") return apiError(400, "Throttling");
      const route = { ...wireRoute(state.routes.length + 100, p.DestinationCidrBlock, p.InstanceId), VpcId: p.VpcId! };
      state.routes.push(route);
      return mode === "reset-after-create" ? "reset" : { body: { RequestId: "q", RouteId: route.RouteId } };
    }
    if (action === "DeleteRoute" || action === "DeleteTrustRoute") {
      state.routes = state.routes.filter((r) => r.RouteId !== p.RouteId);
      return { body: { RequestId: "q", Return: true } };
    }
    const matching = state.routes.filter((r) =>
      filters(p).every(([name, value]) =>
        name === "vpc-id"
          ? r.VpcId === value
          : name === "destination-cidr-block"
            ? r.DestinationCidrBlock === value
            : true,
      ),
    );
    const start = Number(p.NextToken ?? "1") - 1;
    const size = p.MaxResults ? Number(p.MaxResults) : matching.length;
    const next = start + size < matching.length ? String(start + size + 1) : undefined;
    return { body: { RequestId: "q", RouteSet: matching.slice(start, start + size), NextToken: next } };
  };
  return { state, handle };
}

async function start(fake: ReturnType<typeof fakeVpc>, retry = {}): Promise<KsyunClient> {
  return testClient((await startStubServer(fake.handle)).url, { retry });
}

const input = { vpcId: VPC, destinationCidrBlock: "10.244.7.0/24", instanceId: "i-7", routeTableId: "rt-1" };

describe("createRoute", () => {
  it.each<[FirstCreate, string[], boolean]>([
    ["ok", ["DescribeVpcs", "CreateRoute"], false],
    // The route was created but the answer lost: found by DescribeRoutes, never created twice.
    ["reset-after-create", ["DescribeVpcs", "CreateRoute", "DescribeRoutes"], true],
    // Nothing was created: the check finds nothing, so the request is re-sent.
    ["reset-before-create", ["DescribeVpcs", "CreateRoute", "DescribeRoutes", "CreateRoute"], false],
    // A throttled request was refused, so it is re-sent without a check.
    ["throttled", ["DescribeVpcs", "CreateRoute", "CreateRoute"], false],
  ])("first attempt %s → calls %j", async (firstCreate, calls, recovered) => {
    const fake = fakeVpc({ firstCreate });
    const result = await (await start(fake)).createRoute(input);
    expect(fake.state.calls).toEqual(calls);
    expect(result).toEqual({ routeId: fake.state.routes[0]!.RouteId, recovered });
    expect(fake.state.routes).toHaveLength(1);
    expect(fake.state.requests.find((r) => r.params.Action === "CreateRoute")!.params).toMatchObject({
      VpcId: VPC,
      RouteType: "Host",
      DestinationCidrBlock: "10.244.7.0/24",
      InstanceId: "i-7",
      RouteTableId: "rt-1",
    });
  });

  it("re-sends when the route found after a reset points at another instance", async () => {
    const fake = fakeVpc({
      firstCreate: "reset-before-create",
      routes: [wireRoute(1, input.destinationCidrBlock, "i-other")],
    });
    await (await start(fake)).createRoute(input);
    expect(fake.state.calls).toEqual(["DescribeVpcs", "CreateRoute", "DescribeRoutes", "CreateRoute"]);
  });

  it("surfaces duplicate destinations as kind duplicate-destination", async () => {
    const server = await startStubServer((req) =>
      req.params.Action === "DescribeVpcs"
        ? { body: { VpcSet: [{ VpcId: VPC }] } }
        : apiError(400, "InvalidParameter.RouteDuplicate", "The destination cidr is same with a route"),
    );
    const client = testClient(server.url);
    await expect(client.createRoute(input)).rejects.toMatchObject({
      kind: "duplicate-destination",
      action: "CreateRoute",
    });
  });
});

describe("trust VPCs", () => {
  it("use the Trust actions and header on route calls and look the tag up once", async () => {
    const fake = fakeVpc({ productTag: "trust" });
    const c = await start(fake);
    const { routeId } = await c.createRoute(input);
    await c.listVpcRoutes(VPC);
    await c.deleteRoute({ vpcId: VPC, routeId });
    expect(fake.state.calls).toEqual(["DescribeVpcs", "CreateTrustRoute", "DescribeRoutes", "DeleteTrustRoute"]);
    for (const request of fake.state.requests.slice(1)) expect(request.headers["x-producttag-source"]).toBe("trust");
    expect(fake.state.routes).toEqual([]);
  });

  it("ordinary VPCs use CreateRoute/DeleteRoute without the header", async () => {
    const fake = fakeVpc({ productTag: "normal" });
    const c = await start(fake);
    await c.deleteRoute({ vpcId: VPC, routeId: "r-1" });
    expect(fake.state.calls).toEqual(["DescribeVpcs", "DeleteRoute"]);
    expect(fake.state.requests[1]!.headers["x-producttag-source"]).toBeUndefined();
  });

  it("fail with not-found for an unknown VPC and do not cache the failure", async () => {
    const fake = fakeVpc();
    const c = await start(fake);
    const missing = { ...input, vpcId: "vpc-missing" };
    await expect(c.createRoute(missing)).rejects.toMatchObject({ code: "VpcNotFound", kind: "not-found" });
    await expect(c.createRoute(missing)).rejects.toMatchObject({ code: "VpcNotFound" });
    expect(fake.state.calls).toEqual(["DescribeVpcs", "DescribeVpcs"]);
  });
});

describe("route listing", () => {
  const routes = [1, 2, 3, 4, 5].map((i) => wireRoute(i));

  it("follows NextToken page by page", async () => {
    const fake = fakeVpc({ routes });
    const c = await start(fake);
    const pages: string[][] = [];
    for await (const page of c.routePages({ vpcId: VPC, maxResults: 2 })) pages.push(page.map((r) => r.routeId));
    expect(pages).toEqual([["r-1", "r-2"], ["r-3", "r-4"], ["r-5"]]);
    const describes = fake.state.requests.filter((r) => r.params.Action === "DescribeRoutes");
    expect(describes.map((r) => r.params.NextToken)).toEqual([undefined, "3", "5"]);
    expect(describes[0]!.params).toMatchObject({ "Filter.1.Name": "vpc-id", "Filter.1.Value.1": VPC, MaxResults: "2" });
  });

  it("lists every route of a VPC", async () => {
    const c = await start(fakeVpc({ routes }));
    expect((await c.listVpcRoutes(VPC)).map((r) => r.destinationCidrBlock)).toEqual(
      routes.map((r) => r.DestinationCidrBlock),
    );
  });

  it("stops on a repeated NextToken instead of looping", async () => {
    const server = await startStubServer(() => ({ body: { RouteSet: [], NextToken: "7" } }));
    const client = testClient(server.url);
    const drain = async () => {
      for await (const _page of client!.routePages({})) void _page;
    };
    await expect(drain()).rejects.toMatchObject({ code: "UnexpectedResponse" });
    expect(server.requests).toHaveLength(2);
  });

  it("treats DeleteRoute Return:false as a failure", async () => {
    const server = await startStubServer((req) =>
      req.params.Action === "DescribeVpcs" ? { body: { VpcSet: [{ VpcId: VPC }] } } : { body: { Return: false } },
    );
    const client = testClient(server.url);
    await expect(client.deleteRoute({ vpcId: VPC, routeId: "r" })).rejects.toMatchObject({
      action: "DeleteRoute",
      serverMessage: "DeleteRoute returned false",
    });
  });
});
