// The route provider through the real Pulumi CLI against the emulator (issue: dynamic provider).
import { mkdir, rm } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { encryptSecret } from "../../providers/ksyun-route/client/index.ts";
import { PROVIDER_TEXT } from "../../providers/ksyun-route/index.ts";
import { VPC_ROUTE_TYPE } from "../../providers/ksyun-route/resource-type.ts";
import { AK, countByDestination, INSTANCES, routeStack, SK, VPC, type RouteStack } from "./route-stack.ts";

let stack: RouteStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

// The fixture's destinations are 10.128.0.0/24 and up; anything else in the VPC is foreign.
const ours = async (s: RouteStack) =>
  (await s.control.routes()).filter((r) => r.destinationCidrBlock.startsWith("10.12"));

describe("VpcRoute with the real Pulumi CLI", () => {
  it("converges, shows drift on refresh, repairs it, and destroy spares a foreign route", async () => {
    stack = await routeStack();
    const s = stack;
    await s.config("fixture:count", "5");
    const foreign = await s.control.addRoute({
      vpcId: VPC,
      destinationCidrBlock: "192.168.0.0/24",
      routeType: "Host",
      instanceId: INSTANCES[0],
    });

    await s.ok(["up", "--yes", "--skip-preview"]);
    expect(await ours(s)).toHaveLength(5);
    expect(await s.ok(["preview", "--expect-no-changes"])).toMatch(/6 unchanged|unchanged/);

    // Creation order is parallel, so pick the moved route's new next hop from its current one.
    const [gone, moved] = await ours(s);
    const elsewhere = INSTANCES.find((id) => id !== moved!.instanceId)!;
    await s.control.deleteRoute(gone!.routeId);
    await s.control.setNextHop(moved!.routeId, elsewhere);
    const drift = await s.ok(["preview", "--refresh", "--diff"]);
    expect(drift).toMatch(/\+ 1 to create/);
    expect(drift).toMatch(/\+-1 to replace|1 to replace/);

    await s.ok(["up", "--yes", "--skip-preview", "--refresh"]);
    const repaired = await ours(s);
    expect(repaired).toHaveLength(5);
    expect(repaired.find((r) => r.destinationCidrBlock === moved!.destinationCidrBlock)?.instanceId).toBe(
      moved!.instanceId,
    );
    await s.ok(["preview", "--refresh", "--expect-no-changes"]);

    await s.ok(["destroy", "--yes", "--skip-preview"]);
    expect(await s.control.routes()).toEqual([expect.objectContaining({ routeId: foreign.routeId })]);
  });

  it.each([
    ["plain", {}],
    ["aes256+base64", { cipher: "aes256+base64", cipherKey: "0123456789abcdef0123456789abcdef" }],
  ])(
    "keeps the AK and SK out of state and output (%s)",
    async (_name, cipher: { cipher?: string; cipherKey?: string }) => {
      stack = await routeStack();
      const s = stack;
      if (cipher.cipher && cipher.cipherKey) {
        await s.config("ksyun-route:cipher", cipher.cipher);
        await s.config("ksyun-route:cipherKey", cipher.cipherKey, true);
        await s.config("ksyun-route:secretAccessKey", encryptSecret(SK, cipher.cipherKey), true);
      }
      const output = await s.ok(["up", "--yes", "--skip-preview", "--refresh", "--debug", "-v=9", "--logtostderr"]);
      expect(await ours(s)).toHaveLength(3);
      const state = await s.stateText();
      for (const secret of [AK, SK, cipher.cipherKey].filter(Boolean) as string[]) {
        expect(state).not.toContain(secret);
        expect(output).not.toContain(secret);
      }
    },
  );

  it("adopts existing routes when the state is lost: no duplicates, no errors", async () => {
    stack = await routeStack();
    const s = stack;
    await s.ok(["up", "--yes", "--skip-preview"]);
    const before = await ours(s);
    await rm(s.pulumi.backendDir, { recursive: true, force: true });
    await mkdir(s.pulumi.backendDir);
    await s.ok(["stack", "init"]);
    await s.control.reset(true);
    const adoption = await s.ok(["up", "--yes", "--skip-preview"]);
    expect(adoption).not.toMatch(/error/i);
    expect((await s.control.stats()).calls.CreateRoute ?? 0).toBe(0);
    expect((await ours(s)).map((r) => r.routeId).sort()).toEqual(before.map((r) => r.routeId).sort());
  });

  it("keeps state written by an older provider version working after an upgrade", async () => {
    stack = await routeStack();
    const s = stack;
    await s.config("fixture:providerVersion", "older");
    await s.ok(["up", "--yes", "--skip-preview"]);
    const before = (await ours(s)).map((r) => r.routeId).sort();
    await s.config("fixture:providerVersion", "current");
    await s.control.reset(true);
    // The provider text changed, and that is no change: both texts load the same module.
    const upgrade = await s.ok(["up", "--yes", "--skip-preview", "--refresh"]);
    expect(upgrade).toMatch(/4 unchanged/);
    expect(upgrade).not.toMatch(/updated|replaced|created|deleted/);
    const state = JSON.parse(await s.ok(["stack", "export"])) as {
      deployment: { resources: { type: string; inputs: Record<string, unknown> }[] };
    };
    const routes = state.deployment.resources.filter((r) => r.type === VPC_ROUTE_TYPE);
    expect(routes.map((r) => r.inputs.__provider)).toEqual([PROVIDER_TEXT, PROVIDER_TEXT, PROVIDER_TEXT]);
    const calls = (await s.control.stats()).calls;
    expect([calls.CreateRoute ?? 0, calls.DeleteRoute ?? 0]).toEqual([0, 0]);
    expect((await ours(s)).map((r) => r.routeId).sort()).toEqual(before);
    await s.ok(["preview", "--expect-no-changes"]);
    await s.ok(["destroy", "--yes", "--skip-preview"]);
    expect(await ours(s)).toEqual([]);
  });

  it("fails a create whose destination routes elsewhere, naming that route", async () => {
    stack = await routeStack();
    const s = stack;
    const taken = await s.control.addRoute({
      vpcId: VPC,
      destinationCidrBlock: "10.128.1.0/24",
      routeType: "Host",
      instanceId: INSTANCES[3],
    });
    const result = await s.run(["up", "--yes", "--skip-preview"]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(`already routed by ${taken.routeId}`);
    expect(countByDestination(await s.control.routes()).get("10.128.1.0/24")).toBe(1);
  });
});
