import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "./index.ts";
import { emulator, NODE1, testSeed, VPC } from "./test-support/fixture.ts";

const CREATE = { Action: "CreateRoute", Version: "2016-03-04", VpcId: VPC, RouteType: "Host", InstanceId: NODE1 };
const LATE_NODE = { instanceId: "12345678-9abc-4def-8123-456789abcdef", vpcId: VPC, privateIpAddress: "10.0.7.7" };

describe("state persistence", () => {
  it("survives a restart: routes (ids, order, next hops) and added instances", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emulator-state-"));
    const statePath = join(dir, "state.json");
    const first = await emulator({ statePath });
    for (const cidr of ["10.244.2.0/24", "10.244.1.0/24"]) await first.call({ ...CREATE, DestinationCidrBlock: cidr });
    await first.control("POST", "instances", { instances: [LATE_NODE] });
    const before = first.state.snapshot();
    await first.close();

    expect(readdirSync(dir)).toEqual(["state.json"]);
    expect(JSON.parse(readFileSync(statePath, "utf8")).routes.length).toBe(2);

    const second = await emulator({ statePath });
    expect(second.state.snapshot()).toEqual(before);
    const listed = await second.call({ Action: "DescribeRoutes", Version: "2016-03-04" });
    expect(listed.body.RouteSet.map((r: { DestinationCidrBlock: string }) => r.DestinationCidrBlock)).toEqual([
      "10.244.2.0/24",
      "10.244.1.0/24",
    ]);
  });

  it("writes changes without waiting for close, and a reset goes back to the seed", async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), "emulator-state-")), "state.json");
    const emu = await emulator({ statePath });
    await emu.call({ ...CREATE, DestinationCidrBlock: "10.244.1.0/24" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(readFileSync(statePath, "utf8")).routes.length).toBe(1);
    await emu.control("POST", "reset");
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(readFileSync(statePath, "utf8")).routes).toEqual([]);
  });

  it("refuses a corrupt or inconsistent state file, naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emulator-state-"));
    const corrupt = join(dir, "corrupt.json");
    writeFileSync(corrupt, "{");
    await expect(startEmulator({ seed: testSeed(), statePath: corrupt })).rejects.toThrow(`state file ${corrupt}`);
    const foreignVpc = join(dir, "foreign.json");
    const route = { vpcId: NODE1, destinationCidrBlock: "10.0.0.0/24", routeType: "InternetGateway" };
    writeFileSync(foreignVpc, JSON.stringify({ instances: [], routes: [route] }));
    await expect(startEmulator({ seed: testSeed(), statePath: foreignVpc })).rejects.toThrow(
      /routes\[0\]: vpc .* does not exist/,
    );
  });
});
