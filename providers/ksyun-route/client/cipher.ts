import { createCipheriv, createDecipheriv } from "node:crypto";

// The original's aksk-provider scheme (aes256+base64): AES-CBC keyed by the key string's bytes,
// IV = first 16 key bytes, PKCS#7 padding, standard base64. Same as `openssl enc -aes-256-cbc -a -K … -iv …`.

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** AES-128, -192 or -256: the key string's UTF-8 bytes are the key. */
const AES_KEY_BYTES = [16, 24, 32] as const;

export function isCipherKeyLength(key: string): boolean {
  return (AES_KEY_BYTES as readonly number[]).includes(Buffer.byteLength(key, "utf8"));
}

function cipherFor(key: string): { algorithm: string; keyBytes: Buffer; iv: Buffer } {
  const keyBytes = Buffer.from(key, "utf8");
  if (!isCipherKeyLength(key)) {
    throw new Error(`cipher key must be 16, 24 or 32 bytes long, got ${keyBytes.length}`);
  }
  return { algorithm: `aes-${keyBytes.length * 8}-cbc`, keyBytes, iv: keyBytes.subarray(0, 16) };
}

export function encryptSecret(plainText: string, key: string): string {
  const { algorithm, keyBytes, iv } = cipherFor(key);
  const cipher = createCipheriv(algorithm, keyBytes, iv);
  return Buffer.concat([cipher.update(plainText, "utf8"), cipher.final()]).toString("base64");
}

/**
 * Decrypts a secret produced by encryptSecret or the openssl command. `label` names the value in errors;
 * errors never contain the ciphertext, the plaintext or the key.
 */
export function decryptSecret(cipherText: string, key: string, label = "secretAccessKey"): string {
  const fail = (reason: string): Error =>
    new Error(`${label} could not be decrypted with the configured cipher key: ${reason}`);
  const { algorithm, keyBytes, iv } = cipherFor(key);
  // openssl -a wraps its output every 64 characters.
  const compact = cipherText.replace(/\s+/g, "");
  if (!BASE64.test(compact)) throw fail("not valid base64");
  const data = Buffer.from(compact, "base64");
  if (data.length === 0 || data.length % 16 !== 0) throw fail("length is not a positive multiple of 16 bytes");
  const decipher = createDecipheriv(algorithm, keyBytes, iv);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw fail("bad padding (wrong key or corrupt ciphertext)");
  }
  const text = plain.toString("utf8");
  // Valid padding happens by chance with a wrong key (about 1 in 256); real keys and tokens are printable ASCII.
  if (!PRINTABLE_ASCII.test(text)) throw fail("result is not printable text (wrong key or corrupt ciphertext)");
  return text;
}
