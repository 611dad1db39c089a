// Bad input, each with a clear error that names what to fix, no secret in the output, and nothing changed
// (issue: reliability matrix, bad-input row).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptSecret } from "../../providers/ksyun-route/client/index.ts";
import { AK, INSTANCES, node, OTHER_VPC_INSTANCE, programStack, SK, VPC, type ProgramStack } from "./program-stack.ts";

const KEY = "0123456789abcdef0123456789abcdef";
let s: ProgramStack;
let baseline: string[];

const routeTable = async () =>
  (await s.control.routes()).map((r) => `${r.routeId} ${r.destinationCidrBlock}>${r.instanceId}`).sort();

beforeAll(async () => {
  s = await programStack();
  await s.core.createNode({ body: node("good", "172.20.1.0/24", 0) });
  await s.ok(["up", "--yes", "--skip-preview"]);
  baseline = await routeTable();
});
afterAll(() => s?.close());

/** Runs `up`, expects it to fail with `message`, leak no secret, and change no route. */
async function refused(message: RegExp, secrets: string[] = []): Promise<void> {
  await s.control.reset(true);
  const result = await s.run(["up", "--yes", "--skip-preview"]);
  const output = result.stdout + result.stderr;
  expect(result.code, output).not.toBe(0);
  expect(output).toMatch(message);
  for (const secret of [SK, ...secrets]) expect(output).not.toContain(secret);
  const calls = (await s.control.stats()).calls;
  expect([calls.CreateRoute ?? 0, calls.DeleteRoute ?? 0]).toEqual([0, 0]);
  expect(await routeTable()).toEqual(baseline);
}

describe("bad stack configuration", () => {
  // A node without a route makes every `up` create one, so each run calls KSYun with the new settings (a
  // refresh alone would not: it reads through the provider configuration recorded in the state).
  beforeAll(() => s.core.createNode({ body: node("new", "172.20.2.0/24", 1) }));
  afterAll(() => s.core.deleteNode({ name: "new" }));

  it("a malformed podCidr names the key and the value", async () => {
    await s.config("podCidr", "172.20.0.0/33");
    await refused(/ksyun-route:podCidr: "172\.20\.0\.0\/33" is not an IPv4 CIDR/);
    await s.config("podCidr", "172.20.0.0/16");
  });

  it("a wrong cipher key and a corrupt ciphertext fail to decrypt, without the secret", async () => {
    await s.config("cipher", "aes256+base64");
    await s.config("cipherKey", "fedcba9876543210fedcba9876543210", true);
    await s.config("secretAccessKey", encryptSecret(SK, KEY), true);
    await refused(/could not be decrypted with the configured cipher key/, [KEY]);
    await s.config("cipherKey", KEY, true);
    await s.config("secretAccessKey", "bm90IGEgY2lwaGVydGV4dA==", true);
    await refused(/could not be decrypted with the configured cipher key/, [KEY]);
    await s.config("cipher", "none");
    await s.config("secretAccessKey", SK, true);
  });

  it("a wrong secret key or access key is refused by the signature check", async () => {
    await s.config("secretAccessKey", "wrong-secret-value-1234", true);
    await refused(/SignatureDoesNotMatch/, ["wrong-secret-value-1234"]);
    await s.config("secretAccessKey", SK, true);
    await s.config("accessKeyId", "AKLTnobodyHasThisKey", true);
    await refused(/InvalidAccessKeyId/);
    await s.config("accessKeyId", AK, true);
  });

  it("a wrong region finds no VPC", async () => {
    await s.config("region", "cn-shanghai-2");
    await refused(/VpcNotFound/);
    await s.config("region", "cn-beijing-6");
  });

  it("an unreachable endpoint fails after bounded retries, naming the call", async () => {
    await s.config("endpoint", "http://127.0.0.1:9");
    await refused(/KSYun \w+ failed: .*ECONNREFUSED/);
    await s.config("endpoint", s.emulator.url);
  }, 180_000);
});

describe("bad node facts", () => {
  it("a node whose instance is in another VPC gets no route, naming the instance and the VPC", async () => {
    await s.core.createNode({
      body: node("stray", "172.20.3.0/24", 0, {
        metadata: { name: "stray", annotations: { "kce.sdns.ksyun.com/instanceId": OTHER_VPC_INSTANCE } },
      }),
    });
    await s.control.reset(true);
    // DescribeInstances in our VPC does not know it: no CreateRoute is attempted, the run succeeds.
    const output = await s.ok(["up", "--yes", "--skip-preview"]);
    expect(output).toMatch(
      new RegExp(`node stray gets no route: KEC instance ${OTHER_VPC_INSTANCE}.*is not an instance of VPC ${VPC}`),
    );
    expect((await s.control.stats()).calls.CreateRoute ?? 0).toBe(0);
    expect(await routeTable()).toEqual(baseline);
    await s.core.deleteNode({ name: "stray" });
  });

  it("nodes without a usable CIDR or instance are skipped with the reason, and routed nodes stay", async () => {
    await s.core.createNode({ body: node("outside", "10.99.0.0/24", 1) });
    await s.core.createNode({ body: node("hostbits", "172.20.4.1/24", 2) });
    await s.core.createNode({
      body: node("noinstance", "172.20.5.0/24", 3, {
        metadata: { name: "noinstance", annotations: {} },
        status: { addresses: [{ type: "InternalIP", address: "10.0.9.9" }] },
      }),
    });
    await s.control.reset(true);
    const output = await s.ok(["up", "--yes", "--skip-preview"]);
    expect(output).toMatch(/node outside gets no route: .*10\.99\.0\.0\/24/);
    expect(output).toMatch(/node hostbits gets no route: .*172\.20\.4\.1\/24/);
    expect(output).toMatch(/node noinstance gets no route: .*10\.0\.9\.9/);
    expect((await s.control.stats()).calls.CreateRoute ?? 0).toBe(0);
    expect(await routeTable()).toEqual(baseline);
    for (const name of ["outside", "hostbits", "noinstance"]) await s.core.deleteNode({ name });
  });
});

describe("quota exceeded mid-run", () => {
  it("keeps every route it made in the state, duplicates none, and converges once there is room", async () => {
    const q = await programStack({ routeQuota: 3 });
    try {
      for (let i = 0; i < 5; i++) await q.core.createNode({ body: node(`q-${i}`, `172.20.${10 + i}.0/24`, i) });
      const failed = await q.run(["up", "--yes", "--skip-preview"]);
      expect(failed.code).not.toBe(0);
      expect(failed.stdout + failed.stderr).toMatch(/QuotaExceeded/);
      const made = await q.control.routes();
      expect(made).toHaveLength(3);
      const state = await q.ok(["stack", "export"]);
      for (const route of made) expect(state).toContain(route.routeId);
      // Room again: two nodes go away, so the plan fits the quota. Pulumi runs creates before deletes and
      // skips the deletes of a run that had errors, so a full VPC needs the deletes first: a targeted up.
      const made1 = new Set(made.map((r) => r.destinationCidrBlock));
      const leaving = ["q-3", "q-4"].filter((name) => made1.has(`172.20.${10 + Number(name.slice(2))}.0/24`));
      for (const name of ["q-3", "q-4"]) await q.core.deleteNode({ name });
      const urn = (name: string) =>
        `urn:pulumi:${q.stack}::ksyun-route::pulumi-nodejs:dynamic/ksyun:VpcRoute::route-${name}`;
      await q.ok(["up", "--yes", "--skip-preview", ...leaving.flatMap((name) => ["--target", urn(name)])]);
      await q.ok(["up", "--yes", "--skip-preview"]);
      const routes = await q.control.routes();
      expect(routes.map((r) => r.destinationCidrBlock).sort()).toEqual([
        "172.20.10.0/24",
        "172.20.11.0/24",
        "172.20.12.0/24",
      ]);
      expect(routes.map((r) => r.instanceId).sort()).toEqual(INSTANCES.slice(0, 3).sort());
    } finally {
      await q.close();
    }
  });
});
