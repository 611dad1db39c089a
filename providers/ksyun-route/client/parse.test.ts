import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseInstancePage } from "./kec.ts";
import { parseRoutePage, parseVpcPage } from "./vpc.ts";

const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}.json`, import.meta.url), "utf8")) as Record<string, unknown>;

describe("response mapping", () => {
  it("maps a DescribeRoutes response, NextHopSet included", () => {
    expect(parseRoutePage({ ...sample("describe_routes_response_extended"), NextToken: "101" })).toEqual({
      nextToken: "101",
      routes: [
        {
          routeId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
          vpcId: "5b1d7c4a-2a9f-4b8e-9d4c-1f2e3a4b5c6d",
          destinationCidrBlock: "10.244.3.0/24",
          routeType: "Host",
          createTime: "2024-01-01 08:00:00",
          status: "<unknown-enum>",
          system: false,
          routePublishStatus: "<unknown-enum>",
          description: "",
          routeTableId: "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928",
          routeEntryType: "<unknown-enum>",
          nextHopSet: [
            {
              gatewayId: "0e3e1d2c-7b6a-4f5e-8d9c-0a1b2c3d4e5f",
              gatewayName: "k8s-node-3",
              networkInterfaceId: "<primary-eni-uuid?>",
              mac: "fa:16:3e:00:00:01",
            },
          ],
        },
      ],
    });
  });

  it("maps a DescribeInstances response from InstancesSet", () => {
    expect(parseInstancePage(sample("describe_instances_response"))).toEqual({
      marker: 1,
      instanceCount: 1,
      instancesSet: [
        {
          instanceId: "0e3e1d2c-7b6a-4f5e-8d9c-0a1b2c3d4e5f",
          instanceName: "k8s-node-3",
          instanceType: "S6.2B",
          privateIpAddress: "10.0.1.23",
          subnetId: "9fd83a5e-33cf-4196-b8df-59fc57478488",
          instanceState: "active",
          availabilityZone: "cn-beijing-6a",
          projectId: "0",
          hostName: "k8s-node-3",
          creationDate: "2024-01-01T00:00:00Z",
          networkInterfaceSet: [
            {
              networkInterfaceId: "4c3b2a19-0f8e-4d7c-b6a5-948372615048",
              networkInterfaceType: "primary",
              vpcId: "5b1d7c4a-2a9f-4b8e-9d4c-1f2e3a4b5c6d",
              subnetId: "9fd83a5e-33cf-4196-b8df-59fc57478488",
              macAddress: "fa:16:3e:00:00:01",
              privateIpAddress: "10.0.1.23",
            },
          ],
        },
      ],
    });
  });

  it("maps DescribeVpcs including ProductTag; an empty NextToken ends paging", () => {
    expect(
      parseVpcPage({
        NextToken: "",
        VpcSet: [{ VpcId: "v", VpcName: "n", CidrBlock: "10.0.0.0/16", ProductTag: "trust" }],
      }),
    ).toEqual({ vpcs: [{ vpcId: "v", vpcName: "n", cidrBlock: "10.0.0.0/16", productTag: "trust" }] });
  });

  it.each([
    [{ RouteSet: "nope" }, /RouteSet is not a list of objects/],
    [
      { RouteSet: [{ RouteId: "r", VpcId: "v", DestinationCidrBlock: "c", RouteType: "Host", NextHopSet: [{}] }] },
      /NextHopSet\[0\]\.GatewayId/,
    ],
  ])("rejects malformed routes %#", (response, message) => {
    expect(() => parseRoutePage(response)).toThrow(message);
  });
});
