// The KSYun part of the stack configuration (namespace ksyun-route): what the provider, the program's lookups, the
// watcher's event path and `npm run status` need to call KSYun, read with one set of rules (config-schema.ts).
import { decryptSecret, isCipherKeyLength } from "./client/cipher.ts";
import { KsyunClient, resolveCredentials, type KsyunClientOptions } from "./client/index.ts";
import { ConfigError, matching, oneOf, readSchema, type ConfigValues, type Schema } from "./config-schema.ts";
import { CIPHERS, REGION, type Cipher } from "./ids.ts";

export const NAMESPACE = "ksyun-route";

const noSurroundingSpace = (value: string) =>
  value.trim() === value ? undefined : "has leading or trailing whitespace";

export const KSYUN_KEYS = {
  region: {
    type: "string",
    group: "KSYun API",
    description: "KSYun region of the VPC, e.g. cn-beijing-6. Part of every request signature.",
    check: matching(REGION, "a KSYun region (e.g. cn-beijing-6)"),
  },
  endpoint: {
    type: "string",
    group: "KSYun API",
    default: "",
    description:
      "Base URL overriding https://vpc.{region}.api.ksyun.com and https://kec.{region}.api.ksyun.com: the in-cloud gateway http://internal.api.ksyun.com, or a local emulator. Empty: the public endpoints.",
    details:
      "The original controller used `http://internal.api.ksyun.com`; the dev stack uses the emulator at `http://127.0.0.1:17480`. Must be an `http(s)` URL without credentials, path, query or fragment.",
    check: endpointProblem,
  },
  accessKeyId: {
    type: "string",
    group: "KSYun API",
    default: "",
    secret: true,
    description:
      "KSYun access key id, set with --secret (the engine keeps the stack config in the state). Empty falls back to the environment and then to akskDir.",
    details:
      "The environment: `KSYUN_ACCESS_KEY_ID`/`KSYUN_SECRET_ACCESS_KEY`/`KSYUN_SECURITY_TOKEN`, then the original's `AK`/`SK`/`SECURITY_TOKEN`. Must be set together with `secretAccessKey`; required when `enableSecret` is true.",
    check: (value) => (/\s/.test(value) ? "contains whitespace" : undefined),
  },
  secretAccessKey: {
    type: "string",
    group: "KSYun API",
    default: "",
    secret: true,
    description: "KSYun secret access key, set with --secret; with cipher aes256+base64, the encrypted form.",
    details: "See [security.md](security.md#encrypting-the-sk) for the encrypted form.",
    check: noSurroundingSpace,
  },
  securityToken: {
    type: "string",
    group: "KSYun API",
    default: "",
    secret: true,
    description: "Optional STS security token for temporary credentials, set with --secret.",
    details: "Encrypted like the SK when `cipher` is `aes256+base64`.",
    check: noSurroundingSpace,
  },
  cipher: {
    type: "string",
    group: "KSYun API",
    default: "none",
    description:
      "How secretAccessKey and securityToken are stored: none, or aes256+base64 (AES-CBC, IV = first 16 key bytes, as the original aksk-provider).",
    details: "Applies to the credentials of the config and of the environment; an `akskDir` has its own `cipher` file.",
    check: oneOf(CIPHERS),
  },
  cipherKey: {
    type: "string",
    group: "KSYun API",
    default: "",
    secret: true,
    env: "KSYUN_CIPHER_KEY",
    description: "The AES key for cipher aes256+base64: 16, 24 or 32 bytes (AES-128/192/256), set with --secret.",
    check: (value) =>
      isCipherKeyLength(value)
        ? undefined
        : "must be 16, 24 or 32 bytes long (the AES-128/192/256 key of the original scheme)",
  },
  akskDir: {
    type: "string",
    group: "KSYun API",
    default: "",
    env: "KSYUN_AKSK_DIR",
    description:
      "Directory with files ak, sk and optionally securityToken, cipher, expired_at (the kce-security-token Secret mounted in a pod). Re-read when the files change.",
    details: "The watcher hands its mounted Secret (`/var/lib/aksk`) to its runs this way.",
  },
  qps: {
    type: "integer",
    group: "KSYun API",
    default: 10,
    description: "Client-side limit of KSYun API calls per second (1 to 10000), shared by all calls of one process.",
    details: "A token bucket in each process that calls KSYun.",
    check: (value) => (Number(value) >= 1 && Number(value) <= 10_000 ? undefined : "is not between 1 and 10000"),
  },
} as const satisfies Schema;

export interface ProviderSettings {
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  readonly securityToken?: string | undefined;
  readonly cipher: Cipher;
  readonly cipherKey?: string | undefined;
  readonly akskDir?: string | undefined;
  readonly qps: number;
}

/** The settings from values read with a schema that includes KSYUN_KEYS; adds the problems of their combination. */
export function ksyunSettings(values: ConfigValues, problem: (key: string, text: string) => void, problems: string[]) {
  const settings: ProviderSettings = {
    region: values.string("region") ?? "",
    endpoint: values.string("endpoint"),
    accessKeyId: values.string("accessKeyId"),
    secretAccessKey: values.string("secretAccessKey"),
    securityToken: values.string("securityToken"),
    cipher: (values.string("cipher") ?? "none") as Cipher,
    cipherKey: values.string("cipherKey"),
    akskDir: values.string("akskDir"),
    qps: values.integer("qps"),
  };
  const credentialKeys = ["accessKeyId", "secretAccessKey", "securityToken"];
  if (credentialKeys.some((key) => values.isSet(key))) {
    for (const key of credentialKeys.slice(0, 2)) {
      if (!values.isSet(key)) problems.push(`${NAMESPACE}:${key} is required together with the other credential keys`);
    }
  }
  if (settings.cipher !== "none" && values.isSet("secretAccessKey") && !values.isSet("cipherKey")) {
    problem("cipher", `needs ${NAMESPACE}:cipherKey to decrypt ${NAMESPACE}:secretAccessKey`);
  }
  return settings;
}

/** The provider's settings: `get(key)` returns the raw value of `ksyun-route:<key>`. Throws ConfigError. */
export function readSettings(
  get: (key: string) => string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProviderSettings {
  const raw = Object.fromEntries(Object.keys(KSYUN_KEYS).map((key) => [key, get(key)]));
  const { values, problems, problem } = readSchema(NAMESPACE, KSYUN_KEYS, raw, { env });
  const settings = ksyunSettings(values, problem, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** A client for the settings; `options` adds what the settings do not say (a call hook, a logger). */
export function clientFromSettings(
  settings: ProviderSettings,
  options: Pick<KsyunClientOptions, "onCall" | "logger"> = {},
): KsyunClient {
  const { cipher, cipherKey } = settings;
  const reveal = (value: string | undefined, key: string) =>
    value === undefined || cipher === "none" || !cipherKey
      ? value
      : decryptSecret(value, cipherKey, `${NAMESPACE}:${key}`);
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
  return new KsyunClient({
    ...options,
    region: settings.region,
    endpoint: settings.endpoint,
    credentials,
    qps: settings.qps,
  });
}

function endpointProblem(value: string): string | { concealed: string } | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.username !== "" || url.password !== "") return { concealed: "must not contain credentials" };
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/" || url.search || url.hash) {
    return "must be an http(s) URL without path, query or fragment";
  }
  return undefined;
}
