import { describe, expect, it } from "vitest";
import { isUuid } from "./ids.ts";
import { parseSeed, readSeedFile } from "./seed.ts";

const VPC = "2429a51f-acb2-4124-a5f7-81ec34951c9e";
const NODE = "7c5e6b72-c0f4-449d-aff9-3f2eaf334f07";

function base(): Record<string, unknown> {
  return {
    credentials: [{ accessKeyId: "AKLTa", secretAccessKey: "s" }],
    vpcs: [{ vpcId: VPC, cidrBlock: "10.0.0.0/16", region: "cn-beijing-6" }],
    instances: [{ instanceId: NODE, vpcId: VPC, privateIpAddress: "10.0.1.11" }],
  };
}

const host = (cidr: string) => ({ vpcId: VPC, destinationCidrBlock: cidr, routeType: "Host", instanceId: NODE });

describe("seed", () => {
  it("loads the demo seed: one VPC in cn-beijing-6, four instances, UUID ids", () => {
    const seed = readSeedFile(new URL("./seeds/demo.json", import.meta.url).pathname);
    expect(seed.vpcs).toEqual([expect.objectContaining({ region: "cn-beijing-6", cidrBlock: "10.0.0.0/16" })]);
    expect(seed.instances.length).toBe(4);
    expect(seed.instances.every((i) => isUuid(i.instanceId))).toBe(true);
    expect(seed.credentials[0]?.accessKeyId).toMatch(/^AKLTdemo/);
  });

  it("fills defaults and derives stable route ids", () => {
    const seed = parseSeed({ ...base(), routes: [host("10.244.0.0/24")] });
    expect(seed.routeQuota).toBe(200);
    expect(seed.instances[0]).toMatchObject({ state: "active", projectId: 0 });
    const again = parseSeed({ ...base(), routes: [host("10.244.0.0/24")] });
    expect(isUuid(seed.routes[0]?.routeId ?? "")).toBe(true);
    expect(again.routes[0]?.routeId).toBe(seed.routes[0]?.routeId);
  });

  it.each<[string, (seed: Record<string, unknown>) => void, string]>([
    ["no credentials", (s) => delete s.credentials, "seed.credentials: expected an array"],
    ["empty credentials", (s) => (s.credentials = []), "seed.credentials: needs at least one"],
    [
      "duplicate key",
      (s) =>
        (s.credentials = [
          { accessKeyId: "A", secretAccessKey: "1" },
          { accessKeyId: "A", secretAccessKey: "2" },
        ]),
      "seed.credentials[1]: duplicate accessKeyId",
    ],
    ["unknown field", (s) => (s.vpc = []), "seed.vpc: unknown field"],
    [
      "host bits in VPC CIDR",
      (s) => (s.vpcs = [{ vpcId: VPC, cidrBlock: "10.0.0.1/16", region: "cn-beijing-6" }]),
      "seed.vpcs[0].cidrBlock: expected a network CIDR",
    ],
    [
      "bad region",
      (s) => (s.vpcs = [{ vpcId: VPC, cidrBlock: "10.0.0.0/16", region: "beijing" }]),
      "seed.vpcs[0].region",
    ],
    [
      "duplicate VPC",
      (s) => (s.vpcs = [...(s.vpcs as object[]), ...(s.vpcs as object[])]),
      "seed.vpcs[1]: duplicate vpcId",
    ],
    [
      "non-UUID instance",
      (s) => (s.instances = [{ instanceId: "i-1", vpcId: VPC, privateIpAddress: "10.0.1.1" }]),
      "seed.instances[0].instanceId: expected a lowercase UUID",
    ],
    [
      "instance outside VPC",
      (s) => (s.instances = [{ instanceId: NODE, vpcId: VPC, privateIpAddress: "10.9.0.1" }]),
      "seed.instances[0]: privateIpAddress 10.9.0.1 is outside",
    ],
    [
      "instance of unknown VPC",
      (s) => (s.instances = [{ instanceId: NODE, vpcId: NODE, privateIpAddress: "10.0.0.1" }]),
      `seed.instances[0]: vpc ${NODE} does not exist`,
    ],
    [
      "Host route without instance",
      (s) => (s.routes = [{ vpcId: VPC, destinationCidrBlock: "10.1.0.0/24", routeType: "Host" }]),
      "seed.routes[0].instanceId: required",
    ],
    [
      "duplicate destination",
      (s) => (s.routes = [host("10.244.0.0/24"), { ...host("10.244.0.0/24"), routeId: NODE }]),
      "seed.routes[1]: vpc",
    ],
    ["quota below 1", (s) => (s.routeQuota = 0), "seed.routeQuota: expected an integer >= 1"],
    [
      "more routes than the quota",
      (s) => Object.assign(s, { routeQuota: 1, routes: [host("10.244.0.0/24"), host("10.244.1.0/24")] }),
      "seed.routeQuota: vpc",
    ],
  ])("names the field when %s", (_name, mutate, message) => {
    const seed = base();
    mutate(seed);
    expect(() => parseSeed(seed)).toThrow(message);
  });
});
