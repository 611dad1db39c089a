// Provider settings from stack config (keys in the project namespace), falling back to the environment,
// and the KSYun client built from them. Secret values are held only in memory, never returned or logged.
import { KsyunClient, decryptSecret, resolveCredentials } from "./client/index.ts";

export const NAMESPACE = "ksyun-route";

export interface ProviderSettings {
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  securityToken?: string;
  cipher: "none" | "aes256+base64";
  cipherKey?: string;
  akskDir?: string;
  qps?: number;
}

const CIPHERS = ["none", "aes256+base64"] as const;

/** `get(key)` returns the raw value of `ksyun-route:<key>`; empty strings count as unset. */
export function readSettings(
  get: (key: string) => string | undefined,
  env: Record<string, string | undefined> = process.env,
): ProviderSettings {
  const value = (key: string, envName?: string) => {
    const v = get(key)?.trim() || (envName ? env[envName]?.trim() : undefined);
    return v ? v : undefined;
  };
  const region = value("region", "KSYUN_REGION");
  if (!region) throw new Error(`${NAMESPACE}:region is not set (pulumi config set ${NAMESPACE}:region cn-beijing-6)`);
  const cipher = value("cipher", "KSYUN_CIPHER") ?? "none";
  if (!(CIPHERS as readonly string[]).includes(cipher)) {
    throw new Error(`${NAMESPACE}:cipher ${JSON.stringify(cipher)} is not one of ${CIPHERS.join(", ")}`);
  }
  const qpsText = value("qps", "KSYUN_QPS");
  const qps = qpsText === undefined ? undefined : Number(qpsText);
  if (qps !== undefined && !(qps > 0))
    throw new Error(`${NAMESPACE}:qps ${JSON.stringify(qpsText)} is not a positive number`);
  return {
    region,
    endpoint: value("endpoint", "KSYUN_ENDPOINT"),
    accessKeyId: value("accessKeyId"),
    secretAccessKey: value("secretAccessKey"),
    securityToken: value("securityToken"),
    cipher: cipher as ProviderSettings["cipher"],
    cipherKey: value("cipherKey", "KSYUN_CIPHER_KEY"),
    akskDir: value("akskDir", "KSYUN_AKSK_DIR"),
    qps,
  };
}

export function clientFromSettings(settings: ProviderSettings): KsyunClient {
  const { cipher, cipherKey } = settings;
  const reveal = (value: string | undefined, key: string) => {
    if (value === undefined || cipher === "none") return value;
    if (!cipherKey) throw new Error(`${NAMESPACE}:cipher is ${cipher} but ${NAMESPACE}:cipherKey is not set`);
    return decryptSecret(value, cipherKey, `${NAMESPACE}:${key}`);
  };
  const credentials = resolveCredentials({
    explicit:
      settings.accessKeyId || settings.secretAccessKey
        ? {
            accessKeyId: settings.accessKeyId,
            secretAccessKey: reveal(settings.secretAccessKey, "secretAccessKey"),
            securityToken: reveal(settings.securityToken, "securityToken"),
          }
        : undefined,
    dir: settings.akskDir,
    cipher,
    cipherKey,
  });
  return new KsyunClient({ region: settings.region, endpoint: settings.endpoint, credentials, qps: settings.qps });
}
