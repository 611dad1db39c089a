import { describe, expect, it } from "vitest";
import { emulator, NODE1, testSeed, VPC } from "./test-support/fixture.ts";

const COUNT = 5_500;
const cidr = (i: number) => `10.${100 + Math.floor(i / 256)}.${i % 256}.0/24`;

describe("scale", () => {
  it(`serves ${COUNT} routes: duplicate check, create, and paging in stable order`, async () => {
    const routes = Array.from({ length: COUNT }, (_, i) => ({
      vpcId: VPC,
      destinationCidrBlock: cidr(i),
      routeType: "Host",
      instanceId: NODE1,
    }));
    const emu = await emulator({ seed: testSeed({ routes, routeQuota: COUNT + 1 }) });
    const create = { Action: "CreateRoute", Version: "2016-03-04", VpcId: VPC, RouteType: "Host", InstanceId: NODE1 };
    expect((await emu.call({ ...create, DestinationCidrBlock: cidr(4_321) })).body.Error.Code).toBe(
      "InvalidParameter.RouteDuplicate",
    );
    expect((await emu.call({ ...create, DestinationCidrBlock: "10.99.0.0/24" })).status).toBe(200);
    expect((await emu.call({ ...create, DestinationCidrBlock: "10.98.0.0/24" })).body.Error.Code).toBe("QuotaExceeded");

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await emu.call({
        Action: "DescribeRoutes",
        Version: "2016-03-04",
        "Filter.1.Name": "vpc-id",
        "Filter.1.Value.1": VPC,
        MaxResults: "1000",
        ...(token === undefined ? {} : { NextToken: token }),
      });
      seen.push(...page.body.RouteSet.map((r: { DestinationCidrBlock: string }) => r.DestinationCidrBlock));
      token = page.body.NextToken;
    } while (token !== undefined);
    expect(seen).toEqual([...routes.map((r) => r.destinationCidrBlock), "10.99.0.0/24"]);
  });
});
