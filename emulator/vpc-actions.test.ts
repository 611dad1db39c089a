import { describe, expect, it } from "vitest";
import { isUuid } from "./ids.ts";
import type { TestEmulator } from "./test-support/fixture.ts";
import {
  emulator,
  FAR_NODE,
  FAR_REGION,
  FAR_VPC,
  NODE1,
  NODE2,
  OTHER_NODE,
  OTHER_VPC,
  testSeed,
  TRUST_NODE,
  TRUST_VPC,
  VPC,
} from "./test-support/fixture.ts";

const V = { Version: "2016-03-04" };

function createHost(emu: TestEmulator, cidr: string, instanceId = NODE1, vpcId = VPC, extra = {}) {
  return emu.call({
    Action: "CreateRoute",
    ...V,
    VpcId: vpcId,
    RouteType: "Host",
    DestinationCidrBlock: cidr,
    InstanceId: instanceId,
    ...extra,
  });
}

function describeRoutes(emu: TestEmulator, params: Record<string, string> = {}, options = {}) {
  return emu.call({ Action: "DescribeRoutes", ...V, ...params }, options);
}

function expectError(result: { status: number; body: { Error?: { Code?: string } } }, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.body.Error?.Code).toBe(code);
}

describe("CreateRoute", () => {
  it("creates a Host route with a UUID id, visible in DescribeRoutes with KSYun's field names", async () => {
    const emu = await emulator();
    const created = await createHost(emu, "10.244.3.0/24");
    expect(created.status).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual(["RequestId", "RouteId"]);
    expect(isUuid(created.body.RouteId)).toBe(true);
    const listed = await describeRoutes(emu, { "RouteId.1": created.body.RouteId });
    expect(listed.body.RouteSet).toEqual([
      {
        RouteId: created.body.RouteId,
        VpcId: VPC,
        DestinationCidrBlock: "10.244.3.0/24",
        RouteType: "Host",
        CreateTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        System: false,
        NextHopSet: [{ GatewayId: NODE1, GatewayName: "k8s-node-3" }],
      },
    ]);
    expect(listed.body).not.toHaveProperty("NextToken");
  });

  it("refuses a second route to the same destination with KSYun's 'same with a route' wording", async () => {
    const emu = await emulator();
    await createHost(emu, "10.244.3.0/24");
    const again = await createHost(emu, "10.244.3.0/24", NODE2);
    expectError(again, 400, "InvalidParameter.RouteDuplicate");
    expect(again.body.Error.Message).toContain("same with a route");
    expect((await createHost(emu, "10.244.3.0/24", OTHER_NODE, OTHER_VPC)).status).toBe(200);
  });

  it("needs a next-hop instance that exists in that VPC", async () => {
    const emu = await emulator();
    expectError(await createHost(emu, "10.244.3.0/24", OTHER_NODE), 400, "InstanceNotFound");
    expectError(
      await createHost(emu, "10.244.3.0/24", "00000000-0000-4000-8000-000000000000"),
      400,
      "InstanceNotFound",
    );
  });

  it("enforces the per-VPC route quota, counting every route in the VPC", async () => {
    const emu = await emulator({ seed: testSeed({ routeQuota: 2 }) });
    await createHost(emu, "10.244.1.0/24");
    await createHost(emu, "10.244.2.0/24");
    const third = await createHost(emu, "10.244.3.0/24");
    expectError(third, 400, "QuotaExceeded");
    expect((await createHost(emu, "10.244.3.0/24", OTHER_NODE, OTHER_VPC)).status).toBe(200);
  });

  it.each(["10.244.3.1/24", "10.244.3.0/33", "10.244.03.0/24", "10.244.3.0", "fd00::/64", "banana"])(
    "rejects the destination %s",
    async (cidr) => {
      const emu = await emulator();
      expectError(await createHost(emu, cidr), 400, "InvalidParameterValue");
    },
  );

  it("requires VpcId, DestinationCidrBlock, RouteType and the next hop of the type", async () => {
    const emu = await emulator();
    const base = { Action: "CreateRoute", ...V, VpcId: VPC, RouteType: "Host", DestinationCidrBlock: "10.244.3.0/24" };
    for (const name of ["VpcId", "DestinationCidrBlock", "RouteType"]) {
      const params: Record<string, string> = { ...base, InstanceId: NODE1 };
      delete params[name];
      const result = await emu.call(params);
      expectError(result, 400, "MissingParameter");
      expect(result.body.Error.Message).toContain(name);
    }
    const noHop = await emu.call(base);
    expectError(noHop, 400, "MissingParameter");
    expect(noHop.body.Error.Message).toContain("InstanceId");
    const peering = await emu.call({ ...base, RouteType: "Peering" });
    expect(peering.body.Error.Message).toContain("VpcPeeringConnectionId");
  });

  it("rejects an unknown RouteType, and takes non-Host routes with their gateway as next hop", async () => {
    const emu = await emulator();
    const base = { Action: "CreateRoute", ...V, VpcId: VPC, DestinationCidrBlock: "0.0.0.0/0" };
    expectError(await emu.call({ ...base, RouteType: "host", InstanceId: NODE1 }), 400, "InvalidParameterValue");
    const igw = await emu.call({ ...base, RouteType: "InternetGateway" });
    expect(igw.status).toBe(200);
    const [route] = (await describeRoutes(emu, { "RouteId.1": igw.body.RouteId })).body.RouteSet;
    expect(isUuid(route.NextHopSet[0].GatewayId)).toBe(true);
  });

  it("does not see VPCs of another region or unknown VPCs", async () => {
    const emu = await emulator();
    expectError(await createHost(emu, "10.244.3.0/24", FAR_NODE, FAR_VPC), 400, "VpcNotFound");
    expectError(
      await createHost(emu, "10.244.3.0/24", NODE1, "00000000-0000-4000-8000-000000000000"),
      400,
      "VpcNotFound",
    );
    const farSigned = await emu.call(
      {
        Action: "CreateRoute",
        ...V,
        VpcId: FAR_VPC,
        RouteType: "Host",
        DestinationCidrBlock: "10.244.3.0/24",
        InstanceId: FAR_NODE,
      },
      { region: FAR_REGION },
    );
    expect(farSigned.status).toBe(200);
  });

  it("answers DryRun=true with 412 after validation and changes nothing", async () => {
    const emu = await emulator();
    expectError(await createHost(emu, "10.244.3.0/24", NODE1, VPC, { DryRun: "true" }), 412, "DryRunOperation");
    expectError(await createHost(emu, "10.244.3.1/24", NODE1, VPC, { DryRun: "true" }), 400, "InvalidParameterValue");
    expect(emu.state.routes()).toEqual([]);
  });

  it("accepts the original controller's POST: parameters in the query, an unrelated JSON body", async () => {
    const emu = await emulator();
    const body = JSON.stringify({
      domain_id: VPC,
      instance_id: NODE1,
      instance_type: "Host",
      cidrblock: "10.244.3.0/24",
    });
    const viaJsonBody = await emu.call(
      {
        Action: "CreateRoute",
        ...V,
        VpcId: VPC,
        RouteType: "Host",
        DestinationCidrBlock: "10.244.4.0/24",
        InstanceId: NODE1,
      },
      { method: "POST", body, headers: { "content-type": "application/json" } },
    );
    expect(viaJsonBody.status).toBe(200);
    expect(emu.state.routes().map((r) => r.destinationCidrBlock)).toEqual(["10.244.4.0/24"]);
  });

  it("refuses a parameter given twice with different values (query and form body)", async () => {
    const emu = await emulator();
    const result = await emu.call(
      { Action: "DescribeRoutes", ...V },
      { method: "POST", body: "Action=DescribeVpcs", headers: { "content-type": "application/x-www-form-urlencoded" } },
    );
    expectError(result, 400, "InvalidParameterValue");
  });
});

describe("DeleteRoute", () => {
  it("deletes one route and leaves the others and other VPCs untouched (also via HTTP DELETE)", async () => {
    const emu = await emulator();
    const a = (await createHost(emu, "10.244.1.0/24")).body.RouteId;
    const b = (await createHost(emu, "10.244.2.0/24")).body.RouteId;
    const c = (await createHost(emu, "10.244.1.0/24", OTHER_NODE, OTHER_VPC)).body.RouteId;
    const deleted = await emu.call({ Action: "DeleteRoute", ...V, RouteId: a }, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(deleted.body.Return).toBe(true);
    expect(emu.state.routes().map((r) => r.routeId)).toEqual([b, c]);
  });

  it("frees the destination, so a next hop changes by delete then create (KSYun has no ModifyRoute)", async () => {
    const emu = await emulator();
    const old = (await createHost(emu, "10.244.1.0/24", NODE1)).body.RouteId;
    await emu.call({ Action: "DeleteRoute", ...V, RouteId: old });
    const replaced = await createHost(emu, "10.244.1.0/24", NODE2);
    expect(replaced.status).toBe(200);
    expect(replaced.body.RouteId).not.toBe(old);
  });

  it("answers an unknown or already deleted id with RouteNotFound", async () => {
    const emu = await emulator();
    const id = (await createHost(emu, "10.244.1.0/24")).body.RouteId;
    expect((await emu.call({ Action: "DeleteRoute", ...V, RouteId: id })).status).toBe(200);
    const again = await emu.call({ Action: "DeleteRoute", ...V, RouteId: id });
    expectError(again, 400, "RouteNotFound");
    expect(again.body.Error.Message).toContain(id);
    expectError(await emu.call({ Action: "DeleteRoute", ...V }), 400, "MissingParameter");
  });

  it("cannot delete a route of another region", async () => {
    const emu = await emulator();
    const id = (await createHost(emu, "10.244.1.0/24")).body.RouteId;
    expectError(
      await emu.call({ Action: "DeleteRoute", ...V, RouteId: id }, { region: FAR_REGION }),
      400,
      "RouteNotFound",
    );
    expect(emu.state.route(id)).toBeDefined();
  });
});

describe("DescribeRoutes", () => {
  async function seeded() {
    const emu = await emulator();
    await createHost(emu, "10.244.1.0/24", NODE1);
    await createHost(emu, "10.244.2.0/24", NODE2);
    await emu.call({
      Action: "CreateRoute",
      ...V,
      VpcId: VPC,
      RouteType: "InternetGateway",
      DestinationCidrBlock: "0.0.0.0/0",
    });
    await createHost(emu, "10.244.1.0/24", OTHER_NODE, OTHER_VPC);
    return emu;
  }
  const cidrs = (result: { body: { RouteSet: Array<{ DestinationCidrBlock: string }> } }) =>
    result.body.RouteSet.map((r) => r.DestinationCidrBlock);

  it("filters by vpc-id, route-type, destination-cidr-block and instance-id (AND across, OR within)", async () => {
    const emu = await seeded();
    const vpc = { "Filter.1.Name": "vpc-id", "Filter.1.Value.1": VPC };
    expect(cidrs(await describeRoutes(emu, vpc))).toEqual(["10.244.1.0/24", "10.244.2.0/24", "0.0.0.0/0"]);
    const hosts = await describeRoutes(emu, { ...vpc, "Filter.2.Name": "route-type", "Filter.2.Value.1": "Host" });
    expect(cidrs(hosts)).toEqual(["10.244.1.0/24", "10.244.2.0/24"]);
    const byCidr = await describeRoutes(emu, {
      "Filter.1.Name": "destination-cidr-block",
      "Filter.1.Value.1": "10.244.1.0/24",
    });
    expect(byCidr.body.RouteSet.map((r: { VpcId: string }) => r.VpcId)).toEqual([VPC, OTHER_VPC]);
    const byInstance = await describeRoutes(emu, {
      "Filter.1.Name": "instance-id",
      "Filter.1.Value.1": NODE2,
      "Filter.1.Value.2": OTHER_NODE,
    });
    expect(
      byInstance.body.RouteSet.map((r: { NextHopSet: Array<{ GatewayId: string }> }) => r.NextHopSet[0]?.GatewayId),
    ).toEqual([NODE2, OTHER_NODE]);
  });

  it("accepts 0-based and 1-based list indices alike, ordered numerically", async () => {
    const emu = await seeded();
    const zero = await describeRoutes(emu, { "Filter.0.Name": "vpc-id", "Filter.0.Value.0": OTHER_VPC });
    const one = await describeRoutes(emu, { "Filter.1.Name": "vpc-id", "Filter.1.Value.1": OTHER_VPC });
    expect(cidrs(zero)).toEqual(["10.244.1.0/24"]);
    expect(zero.body.RouteSet).toEqual(one.body.RouteSet);
  });

  it("looks routes up by RouteId.N; unknown ids give an empty RouteSet", async () => {
    const emu = await seeded();
    const [first, second] = emu.state.routes();
    const found = await describeRoutes(emu, { "RouteId.0": first?.routeId ?? "", "RouteId.1": second?.routeId ?? "" });
    expect(found.body.RouteSet.length).toBe(2);
    const none = await describeRoutes(emu, { "RouteId.1": "00000000-0000-4000-8000-000000000000" });
    expect(none.status).toBe(200);
    expect(none.body.RouteSet).toEqual([]);
  });

  it("rejects unknown filter names and filters without values", async () => {
    const emu = await emulator();
    expectError(
      await describeRoutes(emu, { "Filter.1.Name": "route-table-id", "Filter.1.Value.1": "x" }),
      400,
      "InvalidParameterValue",
    );
    expectError(await describeRoutes(emu, { "Filter.1.Name": "vpc-id" }), 400, "MissingParameter");
  });

  it("pages with MaxResults/NextToken over 3 pages in stable creation order", async () => {
    const emu = await emulator();
    for (let i = 0; i < 12; i++) await createHost(emu, `10.244.${i}.0/24`);
    const pages: string[][] = [];
    const tokens: Array<string | undefined> = [];
    let token: string | undefined;
    do {
      const page = await describeRoutes(emu, { MaxResults: "5", ...(token === undefined ? {} : { NextToken: token }) });
      expect(page.status).toBe(200);
      pages.push(cidrs(page));
      token = page.body.NextToken;
      tokens.push(token);
    } while (token !== undefined);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    expect(tokens).toEqual(["6", "11", undefined]);
    expect(pages.flat()).toEqual(Array.from({ length: 12 }, (_, i) => `10.244.${i}.0/24`));
    expect(cidrs(await describeRoutes(emu))).toEqual(pages.flat());
  });

  it.each([
    [{ MaxResults: "4" }],
    [{ MaxResults: "1001" }],
    [{ MaxResults: "ten" }],
    [{ MaxResults: "5", NextToken: "abc" }],
    [{ MaxResults: "5", NextToken: "0" }],
  ])("rejects invalid paging %o", async (params) => {
    const emu = await emulator();
    expectError(await describeRoutes(emu, params), 400, "InvalidParameterValue");
  });

  it("shows a region only its own routes", async () => {
    const emu = await seeded();
    await emu.call(
      {
        Action: "CreateRoute",
        ...V,
        VpcId: FAR_VPC,
        RouteType: "Host",
        DestinationCidrBlock: "10.9.0.0/24",
        InstanceId: FAR_NODE,
      },
      { region: FAR_REGION },
    );
    expect(cidrs(await describeRoutes(emu, {}, { region: FAR_REGION }))).toEqual(["10.9.0.0/24"]);
    const farFromHere = await describeRoutes(emu, { "Filter.1.Name": "vpc-id", "Filter.1.Value.1": FAR_VPC });
    expect(farFromHere.body.RouteSet).toEqual([]);
    expect(cidrs(await describeRoutes(emu))).not.toContain("10.9.0.0/24");
  });
});

describe("DescribeVpcs", () => {
  it("lists the caller's region, by VpcId.N too, with ProductTag for trust VPCs", async () => {
    const emu = await emulator();
    const all = await emu.call({ Action: "DescribeVpcs", ...V });
    expect(all.body.VpcSet.map((v: { VpcId: string }) => v.VpcId)).toEqual([VPC, OTHER_VPC, TRUST_VPC]);
    const trust = await emu.call({ Action: "DescribeVpcs", ...V, "VpcId.1": TRUST_VPC });
    expect(trust.body.VpcSet).toEqual([
      expect.objectContaining({ VpcId: TRUST_VPC, CidrBlock: "10.2.0.0/16", ProductTag: "trust", IsDefault: false }),
    ]);
    const far = await emu.call({ Action: "DescribeVpcs", ...V, "VpcId.1": FAR_VPC });
    expect(far.body.VpcSet).toEqual([]);
    const paged = await emu.call({ Action: "DescribeVpcs", ...V, MaxResults: "5", NextToken: "3" });
    expect(paged.body.VpcSet.map((v: { VpcId: string }) => v.VpcId)).toEqual([TRUST_VPC]);
  });
});

describe("trust VPCs", () => {
  const TRUST = { headers: { "X-ProductTag-Source": "trust" } };
  const trustRoute = {
    Action: "CreateTrustRoute",
    ...V,
    VpcId: TRUST_VPC,
    RouteType: "Host",
    DestinationCidrBlock: "10.244.1.0/24",
    InstanceId: TRUST_NODE,
  };

  it("creates and deletes trust routes with X-ProductTag-Source: trust", async () => {
    const emu = await emulator();
    const created = await emu.call(trustRoute, TRUST);
    expect(created.status).toBe(200);
    expect(emu.state.route(created.body.RouteId)?.vpcId).toBe(TRUST_VPC);
    expectError(
      await emu.call({ Action: "DeleteRoute", ...V, RouteId: created.body.RouteId }),
      400,
      "InvalidParameterValue",
    );
    const deleted = await emu.call({ Action: "DeleteTrustRoute", ...V, RouteId: created.body.RouteId }, TRUST);
    expect(deleted.body.Return).toBe(true);
  });

  it("treats trust actions without the header as unknown actions", async () => {
    const emu = await emulator();
    const result = await emu.call(trustRoute, { headers: { "X-ProductTag-Source": "all" } });
    expectError(result, 404, "INVALID_ACTION");
    expect(result.body.Error.Message).toBe("Not Found");
  });

  it("keeps plain and trust actions to their own kind of VPC", async () => {
    const emu = await emulator();
    expectError(await createHost(emu, "10.244.1.0/24", TRUST_NODE, TRUST_VPC), 400, "InvalidParameterValue");
    expectError(await emu.call({ ...trustRoute, VpcId: VPC, InstanceId: NODE1 }, TRUST), 400, "InvalidParameterValue");
  });
});

describe("gateway", () => {
  it("answers unknown actions and versions with INVALID_ACTION / Not Found", async () => {
    const emu = await emulator();
    expectError(await emu.call({ Action: "ModifyRoute", ...V }), 404, "INVALID_ACTION");
    expectError(await emu.call({ Action: "DescribeRoutes", Version: "2019-01-30" }), 404, "INVALID_ACTION");
    expectError(await emu.call({ Action: "constructor", ...V }), 404, "INVALID_ACTION");
  });

  it("requires Action and Version", async () => {
    const emu = await emulator();
    expectError(await emu.call({ ...V }), 400, "MissingParameter");
    expectError(await emu.call({ Action: "DescribeRoutes" }), 400, "MissingParameter");
  });
});
