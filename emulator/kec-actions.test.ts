import { describe, expect, it } from "vitest";
import type { TestEmulator } from "./test-support/fixture.ts";
import {
  emulator,
  FAR_NODE,
  FAR_REGION,
  NODE1,
  NODE2,
  NODE_PROJECT5,
  OTHER_NODE,
  testSeed,
  VPC,
} from "./test-support/fixture.ts";

const DESCRIBE = { Action: "DescribeInstances", Version: "2016-03-04" };

function describeInstances(emu: TestEmulator, params: Record<string, string> = {}, options = {}) {
  return emu.call({ ...DESCRIBE, ...params }, { service: "kec", ...options });
}

const ids = (result: { body: { InstancesSet: Array<{ InstanceId: string }> } }) =>
  result.body.InstancesSet.map((i) => i.InstanceId);

function expectError(result: { status: number; body: { Error?: { Code?: string } } }, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.body.Error?.Code).toBe(code);
}

describe("DescribeInstances", () => {
  it("finds the instance behind a node IP with filters vpc-id + private-ip-address", async () => {
    const emu = await emulator();
    const result = await describeInstances(emu, {
      "Filter.1.Name": "vpc-id",
      "Filter.1.Value.1": VPC,
      "Filter.2.Name": "private-ip-address",
      "Filter.2.Value.1": "10.0.1.23",
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ Marker: 1, InstanceCount: 1 });
    const [instance] = result.body.InstancesSet;
    expect(instance).toMatchObject({
      InstanceId: NODE1,
      InstanceName: "k8s-node-3",
      PrivateIpAddress: "10.0.1.23",
      InstanceState: { Name: "active" },
      NetworkInterfaceSet: [{ NetworkInterfaceType: "primary", VpcId: VPC, PrivateIpAddress: "10.0.1.23" }],
    });
    expect(instance).not.toHaveProperty("VpcId");
  });

  it("selects by InstanceId.N (0- or 1-based) and by the instance-id filter", async () => {
    const emu = await emulator();
    expect(ids(await describeInstances(emu, { "InstanceId.0": NODE2, "InstanceId.1": NODE1 }))).toEqual([NODE1, NODE2]);
    expect(ids(await describeInstances(emu, { "Filter.1.Name": "instance-id", "Filter.1.Value.1": NODE2 }))).toEqual([
      NODE2,
    ]);
  });

  it("rejects malformed or too many instance ids", async () => {
    const emu = await emulator();
    expectError(await describeInstances(emu, { "InstanceId.1": "i-123" }), 400, "InvalidParameterValue");
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`InstanceId.${i + 1}`, NODE1]));
    expectError(await describeInstances(emu, many), 400, "InvalidParameterValue");
  });

  it("searches project 0 only unless ProjectId.N says otherwise", async () => {
    const emu = await emulator();
    expect(ids(await describeInstances(emu))).not.toContain(NODE_PROJECT5);
    expect(ids(await describeInstances(emu, { "ProjectId.1": "5" }))).toEqual([NODE_PROJECT5]);
    expect(ids(await describeInstances(emu, { "ProjectId.1": "0", "ProjectId.2": "5" }))).toContain(NODE_PROJECT5);
  });

  it("shows a region only its own instances", async () => {
    const emu = await emulator();
    const ip = { "Filter.1.Name": "private-ip-address", "Filter.1.Value.1": "10.0.1.23" };
    expect(ids(await describeInstances(emu, ip))).toEqual([NODE1]);
    expect(ids(await describeInstances(emu, ip, { region: FAR_REGION }))).toEqual([FAR_NODE]);
  });

  it("pages with MaxResults and Marker; InstanceCount is the total", async () => {
    const instances = Array.from({ length: 11 }, (_, i) => ({
      instanceId: `00000000-0000-4000-8000-0000000000${String(i).padStart(2, "0")}`,
      vpcId: VPC,
      privateIpAddress: `10.0.2.${i + 1}`,
    }));
    const emu = await emulator({ seed: testSeed() });
    expect((await emu.control("POST", "instances", { instances })).status).toBe(201);
    const vpc = { "Filter.1.Name": "vpc-id", "Filter.1.Value.1": VPC };
    const all = ids(await describeInstances(emu, vpc));
    expect(all.length).toBe(13);
    const pages: string[][] = [];
    let marker = 0;
    for (;;) {
      const page = await describeInstances(emu, { ...vpc, MaxResults: "5", Marker: String(marker) });
      expect(page.body.InstanceCount).toBe(13);
      pages.push(ids(page));
      marker = page.body.Marker;
      if (marker >= page.body.InstanceCount) break;
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 3]);
    expect(pages.flat()).toEqual(all);
  });

  it("rejects invalid paging", async () => {
    const emu = await emulator();
    expectError(await describeInstances(emu, { MaxResults: "4" }), 400, "InvalidParameterValue");
    expectError(await describeInstances(emu, { Marker: "-1" }), 400, "InvalidParameterValue");
  });

  it("is a KEC action: unknown to the vpc service, served on kec hosts and to POST forms", async () => {
    const emu = await emulator();
    expectError(await emu.call(DESCRIBE), 404, "INVALID_ACTION");
    for (const host of ["kec.cn-beijing-6.api.ksyun.com", "kec.api.ksyun.com", "internal.api.ksyun.com"]) {
      expect((await describeInstances(emu, {}, { host })).status).toBe(200);
    }
    const form = await describeInstances(emu, { "InstanceId.1": OTHER_NODE }, { form: true });
    expect(ids(form)).toEqual([OTHER_NODE]);
  });
});
