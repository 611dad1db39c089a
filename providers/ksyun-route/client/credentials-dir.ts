import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { decryptSecret } from "./cipher.ts";
import { AES_CIPHER, CIPHERS } from "../ids.ts";
import type { CredentialSource, Credentials } from "./credential-types.ts";

// Layout of the original's aksk-provider file provider (Secret kube-system/kce-security-token).
const FILES = ["ak", "sk", "securityToken", "cipher", "expired_at"] as const;
type FileName = (typeof FILES)[number];

async function readOptional(dir: string, name: FileName): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, name), "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** One string that changes whenever any file is replaced, rewritten or removed (Secret volumes swap symlinks). */
async function stamp(dir: string): Promise<string> {
  const parts = await Promise.all(
    FILES.map(async (name) => {
      try {
        const s = await stat(join(dir, name));
        return `${s.ino}:${s.mtimeMs}:${s.size}`;
      } catch {
        return "-";
      }
    }),
  );
  return parts.join("|");
}

/** Go layout `2006-01-02T15:04:05` without a zone, which Go parses as UTC. */
function parseExpiredAt(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) throw new Error(`AK/SK directory: expired_at is not a timestamp: ${value}`);
  return date;
}

async function load(dir: string, cipherKey: string | undefined): Promise<Credentials> {
  const [ak, sk, token, cipher, expiredAt] = await Promise.all(FILES.map((name) => readOptional(dir, name)));
  if (!ak || !sk) throw new Error(`AK/SK directory ${dir}: files "ak" and "sk" must exist and be non-empty`);
  const encrypted = cipher !== undefined && cipher !== "" && cipher !== "none";
  if (encrypted && cipher.toLowerCase() !== AES_CIPHER) {
    throw new Error(`AK/SK directory ${dir}: unsupported cipher "${cipher}" (supported: ${CIPHERS.join(", ")})`);
  }
  if (encrypted && !cipherKey)
    throw new Error(`AK/SK directory ${dir}: cipher is ${AES_CIPHER} but no cipher key is configured`);
  const plain = (value: string, label: string): string =>
    encrypted && cipherKey ? decryptSecret(value, cipherKey, label) : value;
  const expiresAt = parseExpiredAt(expiredAt);
  return {
    accessKeyId: ak,
    secretAccessKey: plain(sk, "secretAccessKey"),
    // aksk-provider v1.0.0 (pinned by the original) decrypts the token too when a cipher is set.
    ...(token ? { securityToken: plain(token, "securityToken") } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

/** Reads the directory on first use and again whenever a file changes or the credentials expire. */
export function directorySource(
  dir: string,
  cipherKey: string | undefined,
  now: () => number = Date.now,
): CredentialSource {
  let cached: { stamp: string; credentials: Credentials } | undefined;
  return {
    origin: `dir:${dir}`,
    async get() {
      const current = await stamp(dir);
      const expired = cached?.credentials.expiresAt !== undefined && cached.credentials.expiresAt.getTime() <= now();
      if (!cached || cached.stamp !== current || expired) {
        cached = { stamp: current, credentials: await load(dir, cipherKey) };
      }
      return cached.credentials;
    },
  };
}
