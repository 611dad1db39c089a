import { decryptSecret } from "./cipher.ts";
import type { Cipher } from "../ids.ts";
import type { CredentialSource, Credentials } from "./credential-types.ts";
import { directorySource } from "./credentials-dir.ts";

export type ResolveCredentialsOptions = {
  explicit?: Partial<Pick<Credentials, "accessKeyId" | "secretAccessKey" | "securityToken">>;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** AK/SK directory laid out like the original's (`ak`, `sk`, optional `securityToken`, `cipher`, `expired_at`). */
  dir?: string;
  /** Cipher of SK and token from the environment (the original's NET_CONF `encrypt`); the directory has its own `cipher` file. */
  cipher?: Cipher;
  cipherKey?: string;
};

/** Checked in order: ours first, then the names of the original's env provider. */
const ENV_VARIABLE_SETS = [
  { ak: "KSYUN_ACCESS_KEY_ID", sk: "KSYUN_SECRET_ACCESS_KEY", token: "KSYUN_SECURITY_TOKEN" },
  { ak: "AK", sk: "SK", token: "SECURITY_TOKEN" },
] as const;

function fixed(origin: string, credentials: Credentials): CredentialSource {
  return { origin, get: () => Promise.resolve(credentials) };
}

function fromEnv(
  env: Record<string, string | undefined>,
  cipher: Cipher,
  cipherKey?: string,
): CredentialSource | undefined {
  for (const names of ENV_VARIABLE_SETS) {
    const ak = env[names.ak]?.trim();
    const sk = env[names.sk]?.trim();
    if (!ak && !sk) continue;
    if (!ak || !sk)
      throw new Error(`environment: ${ak ? names.sk : names.ak} must be set together with ${ak ? names.ak : names.sk}`);
    const token = env[names.token]?.trim();
    if (cipher !== "none" && !cipherKey)
      throw new Error(`environment: cipher is ${cipher} but no cipher key is configured`);
    const plain = (value: string, label: string): string =>
      cipher !== "none" && cipherKey ? decryptSecret(value, cipherKey, label) : value;
    return fixed(`env:${names.ak}`, {
      accessKeyId: ak,
      secretAccessKey: plain(sk, "secretAccessKey"),
      ...(token ? { securityToken: plain(token, "securityToken") } : {}),
    });
  }
  return undefined;
}

/** Precedence: explicit values > environment > AK/SK directory. */
export function resolveCredentials(options: ResolveCredentialsOptions = {}): CredentialSource {
  const { explicit, env = process.env, dir, cipher = "none", cipherKey } = options;
  if (explicit?.accessKeyId || explicit?.secretAccessKey) {
    const { accessKeyId, secretAccessKey, securityToken } = explicit;
    if (!accessKeyId || !secretAccessKey)
      throw new Error("explicit credentials need both accessKeyId and secretAccessKey");
    return fixed("explicit", { accessKeyId, secretAccessKey, ...(securityToken ? { securityToken } : {}) });
  }
  const fromEnvironment = fromEnv(env, cipher, cipherKey);
  if (fromEnvironment) return fromEnvironment;
  if (dir) return directorySource(dir, cipherKey);
  throw new Error(
    "no KSYun credentials: give explicit values, set KSYUN_ACCESS_KEY_ID/KSYUN_SECRET_ACCESS_KEY (or AK/SK), or an AK/SK directory",
  );
}
