// Stack configuration, validated before any I/O so a bad value fails the run with the key and value named.
import { cidrsOverlap, parseIpv4Cidr } from "@ksyun-route/provider/cidr";
import type { Ipv4Cidr } from "@ksyun-route/provider/cidr";

export const NAMESPACE = "ksyun-route";

export const DEFAULT_CNI_IMAGE = "hub.kce.ksyun.com/ksyun/calico/cni:v3.24.6-for-selfbuild-cluster";
export const DEFAULT_MASQ_AGENT_IMAGE = "hub.kce.ksyun.com/ksyun/ip-masq-agent-amd64:v2.0.0";

export type MonitorToken = "auto" | "true" | "false";
export type Cipher = "none" | "aes256+base64";

export interface ProgramConfig {
  readonly region: string;
  /** Origin of the API endpoint; undefined ⇒ the provider's default hosts. */
  readonly endpoint: string | undefined;
  readonly vpcId: string;
  readonly clusterUuid: string | undefined;
  readonly podCidr: string;
  /** Required when enableMasqAgent (its NonMasqueradeCIDRs). */
  readonly vpcCidr: string | undefined;
  /** Undefined ⇒ planRoutes applies max(3, ceil(10 % of the managed routes)). */
  readonly maxRouteDeletes: number | undefined;
  readonly allowMassDeletion: boolean;
  readonly monitorToken: MonitorToken;
  readonly skipAwait: boolean;
  readonly enableCni: boolean;
  readonly enableMasqAgent: boolean;
  readonly enableSecret: boolean;
  readonly enableWatcher: boolean;
  readonly cniImage: string;
  readonly masqAgentImage: string;
  /** Required when enableWatcher. */
  readonly watcherImage: string | undefined;
  /** Undefined ⇒ no annotator initContainer. */
  readonly annotatorImage: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly kubeContext: string | undefined;
  /** How secretAccessKey/securityToken are stored (the original's AES scheme or plain). */
  readonly cipher: Cipher;
  /** Lets a route take over a destination that another (unmanaged) route holds. */
  readonly replaceConflictingRoutes: boolean;
}

const KEYS = [
  "region",
  "endpoint",
  "vpcId",
  "clusterUuid",
  "podCidr",
  "vpcCidr",
  "maxRouteDeletes",
  "allowMassDeletion",
  "monitorToken",
  "skipAwait",
  "enableCni",
  "enableMasqAgent",
  "enableSecret",
  "enableWatcher",
  "cniImage",
  "masqAgentImage",
  "watcherImage",
  "annotatorImage",
  "kubeconfig",
  "kubeContext",
  "cipher",
  "replaceConflictingRoutes",
  // Read by the provider itself (providers/ksyun-route/settings.ts); here only checked for shape, never returned.
  "accessKeyId",
  "secretAccessKey",
  "securityToken",
  "cipherKey",
  "akskDir",
  "qps",
] as const;
type Key = (typeof KEYS)[number];

/** Values never echoed in messages (an inline kubeconfig holds tokens too). */
const SECRET_KEYS: ReadonlySet<Key> = new Set<Key>(["secretAccessKey", "securityToken", "cipherKey", "kubeconfig"]);

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid stack configuration:\n${problems.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const REGION = /^[a-z]{2,5}-\w+-\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CLUSTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const COUNT = /^(?:0|[1-9][0-9]{0,5})$/;
// Docker reference grammar, simplified: lower-case [registry[:port]/]path, optional tag, optional sha256 digest.
const IMAGE =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

/**
 * Accepts bare keys ("podCidr") or namespaced ones ("ksyun-route:podCidr", as pulumi.runtime.allConfig() gives);
 * keys of other namespaces are ignored, unknown keys of ours are errors (a typo must not silently drop a guard).
 * Unset and "" mean the same. Every problem is reported at once in one ConfigError.
 */
export function parseConfig(raw: Readonly<Record<string, string | undefined>>): ProgramConfig {
  const problems: string[] = [];
  const values = new Map<Key, string>();
  for (const [fullKey, value] of Object.entries(raw)) {
    const bare = fullKey.startsWith(`${NAMESPACE}:`) ? fullKey.slice(NAMESPACE.length + 1) : fullKey;
    if (bare.includes(":")) continue;
    if (!(KEYS as readonly string[]).includes(bare)) {
      problems.push(`${NAMESPACE}:${bare} is not a known key (known: ${KEYS.join(", ")})`);
    } else if (value !== undefined && value !== "") {
      values.set(bare as Key, value);
    }
  }

  const name = (key: Key): string => `${NAMESPACE}:${key}`;
  const problem = (key: Key, text: string): void => {
    const shown = SECRET_KEYS.has(key) ? "(secret value not shown)" : JSON.stringify(values.get(key));
    problems.push(`${name(key)}: ${shown} ${text}`);
  };
  const required = (key: Key, why = ""): void => {
    if (!values.has(key)) problems.push(`${name(key)} is required${why}`);
  };
  /** The value if set and valid; otherwise records a problem (when set) and returns undefined. */
  const valid = (key: Key, test: (value: string) => boolean, text: string): string | undefined => {
    const value = values.get(key);
    if (value === undefined || test(value)) return value;
    problem(key, text);
    return undefined;
  };
  const flag = (key: Key, fallback: boolean): boolean => {
    const value = valid(key, (v) => v === "true" || v === "false", "is not a boolean (use true or false)");
    return value === undefined ? fallback : value === "true";
  };
  const cidr = (key: Key): Ipv4Cidr | undefined => {
    const value = values.get(key);
    if (value === undefined) return undefined;
    const parsed = parseIpv4Cidr(value);
    if (parsed.ok) return parsed.cidr;
    problem(key, parsed.problem);
    return undefined;
  };

  required("region");
  const region = valid("region", (v) => REGION.test(v), "is not a KSYun region (e.g. cn-beijing-6)");
  const endpoint = parseEndpoint(values.get("endpoint"), (text) => problems.push(`${name("endpoint")}: ${text}`));
  required("vpcId");
  const vpcId = valid("vpcId", (v) => UUID.test(v), "is not a VPC id (a lower-case UUID)");
  const clusterUuid = valid(
    "clusterUuid",
    (v) => CLUSTER_ID.test(v),
    "is not a cluster id (up to 64 letters, digits, '.', '_', '-')",
  );

  required("podCidr");
  const podCidr = cidr("podCidr");
  const vpcCidr = cidr("vpcCidr");
  if (podCidr && vpcCidr && cidrsOverlap(podCidr, vpcCidr)) {
    problem("podCidr", `overlaps ${name("vpcCidr")} ${JSON.stringify(values.get("vpcCidr"))}`);
  }
  // -1 is Pulumi.yaml's default: "use max(3, 10 % of the routes)".
  const maxRouteDeletes = valid(
    "maxRouteDeletes",
    (v) => v === "-1" || COUNT.test(v),
    "is not a non-negative integer (or -1 for the default)",
  );
  const monitorToken = valid(
    "monitorToken",
    (v) => v === "auto" || v === "true" || v === "false",
    "is not one of auto, true, false",
  ) as MonitorToken | undefined;

  const enableMasqAgent = flag("enableMasqAgent", true);
  if (enableMasqAgent) required("vpcCidr", ` when ${name("enableMasqAgent")} is true`);
  const enableWatcher = flag("enableWatcher", false);
  if (enableWatcher) required("watcherImage", ` when ${name("enableWatcher")} is true`);
  const enableSecret = flag("enableSecret", false);
  checkCredentials(values, enableSecret, problem, required);
  const cipher = valid("cipher", (v) => v === "none" || v === "aes256+base64", "is not one of none, aes256+base64") as
    Cipher | undefined;
  valid("qps", (v) => /^[0-9.]+$/.test(v) && Number(v) > 0, "is not a positive number");

  const image = (key: Key): string | undefined =>
    valid(key, (v) => IMAGE.test(v), "is not a container image reference (registry/path[:tag][@sha256:digest])");
  const config: ProgramConfig = {
    region: region ?? "",
    endpoint,
    vpcId: vpcId ?? "",
    clusterUuid,
    podCidr: values.get("podCidr") ?? "",
    vpcCidr: values.get("vpcCidr"),
    maxRouteDeletes: maxRouteDeletes === undefined || maxRouteDeletes === "-1" ? undefined : Number(maxRouteDeletes),
    allowMassDeletion: flag("allowMassDeletion", false),
    monitorToken: monitorToken ?? "auto",
    skipAwait: flag("skipAwait", false),
    enableCni: flag("enableCni", true),
    enableMasqAgent,
    enableSecret,
    enableWatcher,
    cniImage: image("cniImage") ?? DEFAULT_CNI_IMAGE,
    masqAgentImage: image("masqAgentImage") ?? DEFAULT_MASQ_AGENT_IMAGE,
    watcherImage: image("watcherImage"),
    annotatorImage: image("annotatorImage"),
    kubeconfig: values.get("kubeconfig"),
    kubeContext: values.get("kubeContext"),
    cipher: cipher ?? "none",
    replaceConflictingRoutes: flag("replaceConflictingRoutes", false),
  };
  // Placeholders above ("" and defaults) never escape: any problem throws here.
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseEndpoint(value: string | undefined, report: (text: string) => void): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    report(`${JSON.stringify(value)} is not a URL`);
    return undefined;
  }
  if (url.username !== "" || url.password !== "") {
    report("(value not shown) must not contain credentials");
  } else if (
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    url.pathname !== "/" ||
    url.search ||
    url.hash
  ) {
    report(`${JSON.stringify(value)} must be an http(s) URL without path, query or fragment`);
  } else {
    return url.origin;
  }
  return undefined;
}

function checkCredentials(
  values: ReadonlyMap<Key, string>,
  enableSecret: boolean,
  problem: (key: Key, text: string) => void,
  required: (key: Key, why: string) => void,
): void {
  if (enableSecret || values.has("accessKeyId") || values.has("secretAccessKey") || values.has("securityToken")) {
    const why = enableSecret ? ` when ${NAMESPACE}:enableSecret is true` : " together with the other credential keys";
    required("accessKeyId", why);
    required("secretAccessKey", why);
  }
  if (/\s/.test(values.get("accessKeyId") ?? "")) problem("accessKeyId", "contains whitespace");
  for (const key of ["secretAccessKey", "securityToken"] as const) {
    const value = values.get(key);
    if (value !== undefined && value.trim() !== value) problem(key, "has leading or trailing whitespace");
  }
  const cipherKey = values.get("cipherKey");
  if (cipherKey !== undefined && ![16, 24, 32].includes(cipherKey.length)) {
    problem("cipherKey", "must be 16, 24 or 32 characters long (the AES-128/192/256 key of the original scheme)");
  }
}
