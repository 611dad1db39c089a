import { mkdtemp, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encryptSecret } from "./cipher.ts";
import { directorySource } from "./credentials-dir.ts";
import { resolveCredentials } from "./credentials.ts";

const KEY = "404633a025a386e110d54242a48f885e";
let dir: string;

async function writeFiles(files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aksk-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("AK/SK directory", () => {
  it("reads trimmed plaintext files", async () => {
    await writeFiles({ ak: "AK1\n", sk: " SK1 \n", securityToken: "TOKEN1\n" });
    await expect(resolveCredentials({ env: {}, dir }).get()).resolves.toEqual({
      accessKeyId: "AK1",
      secretAccessKey: "SK1",
      securityToken: "TOKEN1",
    });
  });

  it("re-reads after a file changes and caches while nothing changes", async () => {
    await writeFiles({ ak: "AK1", sk: "SK1" });
    const source = resolveCredentials({ env: {}, dir });
    const first = await source.get();
    expect(await source.get()).toBe(first);
    await writeFiles({ sk: "SK2-longer" });
    expect((await source.get()).secretAccessKey).toBe("SK2-longer");
    // Same size, different mtime: still picked up.
    await writeFiles({ sk: "SK3-longer" });
    await utimes(join(dir, "sk"), new Date(), new Date(Date.now() + 5_000));
    expect((await source.get()).secretAccessKey).toBe("SK3-longer");
    await unlink(join(dir, "sk"));
    await expect(source.get()).rejects.toThrow(/"ak" and "sk" must exist/);
  });

  it("decrypts sk and securityToken when cipher is aes256+base64", async () => {
    await writeFiles({
      ak: "AK",
      sk: encryptSecret("plain-sk", KEY),
      securityToken: encryptSecret("plain-token", KEY),
      cipher: "aes256+base64\n",
    });
    await expect(resolveCredentials({ env: {}, dir, cipherKey: KEY }).get()).resolves.toEqual({
      accessKeyId: "AK",
      secretAccessKey: "plain-sk",
      securityToken: "plain-token",
    });
  });

  it.each([
    [{ cipher: "aes256+base64" }, undefined, /no cipher key/],
    [{ cipher: "rsa" }, KEY, /unsupported cipher "rsa"/],
    [{ cipher: "aes256+base64" }, "ffffffffffffffffffffffffffffffff", /secretAccessKey could not be decrypted/],
  ])("fails clearly on a bad cipher setup %#", async (files, cipherKey, message) => {
    await writeFiles({ ak: "AK", sk: encryptSecret("plain-sk", KEY), ...files });
    const error = await directorySource(dir, cipherKey)
      .get()
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("plain-sk");
  });

  it("exposes expired_at (UTC, Go layout) and reloads once it has passed", async () => {
    await writeFiles({ ak: "AK", sk: "SK1", expired_at: "2030-01-02T03:04:05" });
    let now = Date.parse("2029-01-01T00:00:00Z");
    const source = directorySource(dir, undefined, () => now);
    const first = await source.get();
    expect(first.expiresAt?.toISOString()).toBe("2030-01-02T03:04:05.000Z");
    now = Date.parse("2031-01-01T00:00:00Z");
    expect(await source.get()).not.toBe(first);
  });
});

describe("resolveCredentials", () => {
  const env = { KSYUN_ACCESS_KEY_ID: "ENV-AK", KSYUN_SECRET_ACCESS_KEY: "ENV-SK", KSYUN_SECURITY_TOKEN: "ENV-T" };

  it("prefers explicit values over the environment and the environment over the directory", async () => {
    await writeFiles({ ak: "DIR-AK", sk: "DIR-SK" });
    const explicit = { accessKeyId: "X-AK", secretAccessKey: "X-SK" };
    expect((await resolveCredentials({ explicit, env, dir }).get()).accessKeyId).toBe("X-AK");
    expect(await resolveCredentials({ env, dir }).get()).toEqual({
      accessKeyId: "ENV-AK",
      secretAccessKey: "ENV-SK",
      securityToken: "ENV-T",
    });
    expect((await resolveCredentials({ env: {}, dir }).get()).accessKeyId).toBe("DIR-AK");
  });

  it.each([
    [{ KSYUN_ACCESS_KEY_ID: "A", KSYUN_SECRET_ACCESS_KEY: "S", AK: "old", SK: "old" }, "env:KSYUN_ACCESS_KEY_ID", "A"],
    [{ AK: "OLD-AK", SK: "OLD-SK", SECURITY_TOKEN: "T" }, "env:AK", "OLD-AK"],
  ])("reads environment variables %#", async (vars, origin, ak) => {
    const source = resolveCredentials({ env: vars });
    expect(source.origin).toBe(origin);
    expect((await source.get()).accessKeyId).toBe(ak);
  });

  it("decrypts environment secrets when a cipher is configured", async () => {
    const source = resolveCredentials({
      env: { AK: "AK", SK: encryptSecret("plain-sk", KEY) },
      cipher: "aes256+base64",
      cipherKey: KEY,
    });
    expect((await source.get()).secretAccessKey).toBe("plain-sk");
  });

  it.each([
    [{ env: { KSYUN_ACCESS_KEY_ID: "A" } }, /KSYUN_SECRET_ACCESS_KEY must be set together with KSYUN_ACCESS_KEY_ID/],
    [{ env: {}, explicit: { accessKeyId: "A" } }, /need both accessKeyId and secretAccessKey/],
    [{ env: {} }, /no KSYun credentials/],
    [{ env: { AK: "A", SK: "S" }, cipher: "aes256+base64" as const }, /no cipher key/],
  ])("rejects incomplete configuration %#", (options, message) => {
    expect(() => resolveCredentials(options)).toThrow(message);
  });
});
