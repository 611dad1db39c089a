import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./cipher.ts";

// kingsoftcloud/vpc-route-controller README §3 (openssl enc -aes-256-cbc -a).
const README = {
  key: "404633a025a386e110d54242a48f885e",
  plain: "ODPedeQvrIo2BF6QkzkZ1HZdhkjH648cOF0fVXGt",
  cipher: "70aM3hAdVJMB/yJHOxIB3iHyST0aijaIQWoIXCo6yLgFRofS2lHs62Q0Z6wAhgY+",
};

describe("decryptSecret", () => {
  it("decrypts the README example and encrypts back to it", () => {
    expect(decryptSecret(README.cipher, README.key)).toBe(README.plain);
    expect(encryptSecret(README.plain, README.key)).toBe(README.cipher);
  });

  it("accepts openssl's 64-column line wrapping", () => {
    const long = encryptSecret("x".repeat(100), README.key);
    const wrapped = long.match(/.{1,64}/g)!.join("\n") + "\n";
    expect(decryptSecret(wrapped, README.key)).toBe("x".repeat(100));
  });

  it.each([16, 24, 32])("round-trips with a %i-byte key", (length) => {
    const key = "k".repeat(length - 1) + "!";
    expect(decryptSecret(encryptSecret(README.plain, key), key)).toBe(README.plain);
  });

  const block = (bytes: number[]): string => Buffer.from(bytes).toString("base64");
  const wrongKey = "0123456789abcdef0123456789abcdef";
  it.each([
    ["a wrong key", README.cipher, wrongKey, /bad padding|not printable/],
    ["corrupt ciphertext", README.cipher.replace("70aM", "71aM"), README.key, /bad padding|not printable/],
    ["truncated ciphertext", README.cipher.slice(0, 40), README.key, /multiple of 16/],
    ["non-base64 input", "%%%%", README.key, /not valid base64/],
    ["an empty value", "", README.key, /not valid base64/],
    ["an unpadded block", block(Array<number>(16).fill(0x41)), README.key, /bad padding|not printable/],
  ])("rejects %s with a clear error that leaks nothing", (_name, cipherText, key) => {
    let message = "";
    try {
      decryptSecret(cipherText, key);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^secretAccessKey could not be decrypted with the configured cipher key: /);
    for (const secret of [README.plain, README.key, wrongKey, README.cipher]) expect(message).not.toContain(secret);
  });

  it("rejects bad PKCS#7 padding even when the last byte looks valid", () => {
    // Two blocks ending in 0x03 0x02: pad length 2 (what the original would strip) but inconsistent pad bytes.
    const raw = encryptSecret("a".repeat(16) + "b".repeat(14) + "\u0003\u0002", README.key);
    const withoutFinalPadBlock = Buffer.from(raw, "base64").subarray(0, 32).toString("base64");
    expect(() => decryptSecret(withoutFinalPadBlock, README.key)).toThrow(/bad padding/);
  });

  it("labels the value and rejects keys of other lengths", () => {
    expect(() => decryptSecret("AAAA", README.key, "securityToken")).toThrow(/^securityToken could not be decrypted/);
    expect(() => decryptSecret(README.cipher, "short")).toThrow(/16, 24 or 32 bytes/);
  });
});
