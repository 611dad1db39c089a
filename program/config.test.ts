import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_CNI_IMAGE, DEFAULT_MASQ_AGENT_IMAGE, parseConfig } from "./config.ts";
import type { ProgramConfig } from "./config.ts";

const VPC = "5b1d7c4a-2a9f-4b8e-9d4c-1f2e3a4b5c6d";
const base = { region: "cn-beijing-6", vpcId: VPC, podCidr: "10.244.0.0/16", vpcCidr: "172.16.0.0/16" };
const SECRET_KEYS = ["accessKeyId", "secretAccessKey", "securityToken", "cipherKey", "kubeconfig"];

const defaults: ProgramConfig = {
  region: "cn-beijing-6",
  vpcId: VPC,
  clusterUuid: undefined,
  podCidr: "10.244.0.0/16",
  vpcCidr: "172.16.0.0/16",
  maxRouteDeletes: undefined,
  allowMassDeletion: false,
  monitorToken: "auto",
  skipAwait: false,
  enableCni: true,
  enableMasqAgent: true,
  enableSecret: false,
  enableWatcher: false,
  cniImage: DEFAULT_CNI_IMAGE,
  masqAgentImage: DEFAULT_MASQ_AGENT_IMAGE,
  watcherImage: undefined,
  watcherPort: 10280,
  annotatorImage: undefined,
  kubeconfig: undefined,
  kubeContext: undefined,
  cipher: "none",
  replaceConflictingRoutes: false,
};

const valid: { name: string; raw: Record<string, string | undefined>; want: Partial<ProgramConfig> }[] = [
  { name: "minimal config takes the defaults", raw: base, want: {} },
  {
    name: "namespaced keys as allConfig() gives them; other namespaces ignored",
    raw: {
      "ksyun-route:region": "cn-shanghai-2",
      "ksyun-route:vpcId": VPC,
      "ksyun-route:podCidr": "10.244.0.0/16",
      "ksyun-route:vpcCidr": "172.16.0.0/16",
      "kubernetes:context": "other",
      "ksyun:region": "not-checked-here",
    },
    want: { region: "cn-shanghai-2" },
  },
  {
    name: "empty string means unset",
    raw: { ...base, endpoint: "", maxRouteDeletes: "", clusterUuid: undefined },
    want: {},
  },
  {
    name: "endpoints: an origin, with a trailing slash, or plain http with a port (emulator)",
    raw: { ...base, endpoint: "https://vpc.api.ksyun.com/" },
    want: {},
  },
  { name: "plain-http endpoint with port (emulator)", raw: { ...base, endpoint: "http://127.0.0.1:8080" }, want: {} },
  { name: "maxRouteDeletes 0", raw: { ...base, maxRouteDeletes: "0" }, want: { maxRouteDeletes: 0 } },
  { name: "maxRouteDeletes 25", raw: { ...base, maxRouteDeletes: "25" }, want: { maxRouteDeletes: 25 } },
  {
    name: "switches and monitorToken",
    raw: {
      ...base,
      allowMassDeletion: "true",
      skipAwait: "true",
      enableCni: "false",
      monitorToken: "true",
      enableWatcher: "true",
      watcherImage: "registry.example.com:5000/ksyun-route/watcher:0.1.0",
    },
    want: {
      allowMassDeletion: true,
      skipAwait: true,
      enableCni: false,
      monitorToken: "true",
      enableWatcher: true,
      watcherImage: "registry.example.com:5000/ksyun-route/watcher:0.1.0",
    },
  },
  {
    name: "masquerade agent off: vpcCidr not needed",
    raw: { region: "cn-beijing-6", vpcId: VPC, podCidr: "10.244.0.0/16", enableMasqAgent: "false" },
    want: { enableMasqAgent: false, vpcCidr: undefined },
  },
  {
    name: "images by tag and by digest; annotator, cluster id, kubeconfig and context pass through",
    raw: {
      ...base,
      cniImage: "my.registry/calico/cni:v3.24.6",
      masqAgentImage: `my.registry/ip-masq-agent@sha256:${"a".repeat(64)}`,
      annotatorImage: "hub.kce.ksyun.com/ksyun/vpc-route-controller/annotation:v1.0.0",
      clusterUuid: "my-cluster_1",
      kubeconfig: "/etc/kubernetes/admin.conf",
      kubeContext: "prod",
    },
    want: {
      cniImage: "my.registry/calico/cni:v3.24.6",
      masqAgentImage: `my.registry/ip-masq-agent@sha256:${"a".repeat(64)}`,
      annotatorImage: "hub.kce.ksyun.com/ksyun/vpc-route-controller/annotation:v1.0.0",
      clusterUuid: "my-cluster_1",
      kubeconfig: "/etc/kubernetes/admin.conf",
      kubeContext: "prod",
    },
  },
  {
    name: "enableSecret with credentials; credentials are not returned",
    raw: {
      ...base,
      enableSecret: "true",
      accessKeyId: "AKLTexample",
      secretAccessKey: "s3cr3t",
      securityToken: "tok",
      cipherKey: "404633a025a386e110d54242a48f885e",
      cipher: "aes256+base64",
      akskDir: "/var/lib/aksk",
      qps: "25",
    },
    want: { enableSecret: true, cipher: "aes256+base64" },
  },
  {
    name: "replaceConflictingRoutes",
    raw: { ...base, replaceConflictingRoutes: "true" },
    want: { replaceConflictingRoutes: true },
  },
];

describe("parseConfig accepts", () => {
  it.each(valid)("$name", ({ raw, want }) => {
    expect(parseConfig(raw, {})).toEqual({ ...defaults, ...want });
  });
  it("reads akskDir and cipherKey from the environment when unset, as the provider does", () => {
    const env = { KSYUN_AKSK_DIR: "/var/lib/aksk", KSYUN_CIPHER_KEY: "short" };
    expect(() => parseConfig(base, env)).toThrow(/cipherKey: \(secret value not shown\) must be 16, 24 or 32 bytes/);
  });
});

const invalid: { name: string; raw: Record<string, string | undefined>; problems: string[] }[] = [
  {
    name: "podCidr with prefix 33",
    raw: { ...base, podCidr: "10.0.0.0/33" },
    problems: ['ksyun-route:podCidr: "10.0.0.0/33" is not an IPv4 CIDR'],
  },
  {
    name: "non-canonical podCidr",
    raw: { ...base, podCidr: "10.244.1.0/8" },
    problems: ['ksyun-route:podCidr: "10.244.1.0/8" is not canonical (its network is 10.0.0.0/8)'],
  },
  {
    name: "required keys missing, all reported at once",
    raw: { enableMasqAgent: "false" },
    problems: ["ksyun-route:region is required", "ksyun-route:vpcId is required", "ksyun-route:podCidr is required"],
  },
  {
    name: "bad region",
    raw: { ...base, region: "beijing" },
    problems: ['ksyun-route:region: "beijing" is not a KSYun region (e.g. cn-beijing-6)'],
  },
  {
    name: "vpcId not a UUID",
    raw: { ...base, vpcId: "vpc-123" },
    problems: ['ksyun-route:vpcId: "vpc-123" is not a VPC id (a lower-case UUID)'],
  },
  {
    name: "vpcId upper-case",
    raw: { ...base, vpcId: VPC.toUpperCase() },
    problems: [`ksyun-route:vpcId: "${VPC.toUpperCase()}" is not a VPC id (a lower-case UUID)`],
  },
  {
    name: "clusterUuid with a space",
    raw: { ...base, clusterUuid: "my cluster" },
    problems: [`ksyun-route:clusterUuid: "my cluster" is not a cluster id (up to 64 letters, digits, '.', '_', '-')`],
  },
  {
    name: "podCidr overlaps vpcCidr",
    raw: { ...base, vpcCidr: "10.0.0.0/8" },
    problems: ['ksyun-route:podCidr: "10.244.0.0/16" overlaps ksyun-route:vpcCidr "10.0.0.0/8"'],
  },
  {
    name: "bad vpcCidr",
    raw: { ...base, vpcCidr: "172.16.0.0" },
    problems: ['ksyun-route:vpcCidr: "172.16.0.0" is not an IPv4 CIDR'],
  },
  {
    name: "masquerade agent (default on) needs vpcCidr",
    raw: { region: "cn-beijing-6", vpcId: VPC, podCidr: "10.244.0.0/16" },
    problems: ["ksyun-route:vpcCidr is required when ksyun-route:enableMasqAgent is true"],
  },
  {
    name: "maxRouteDeletes negative",
    raw: { ...base, maxRouteDeletes: "-2" },
    problems: ['ksyun-route:maxRouteDeletes: "-2" is not a non-negative integer (or -1 for the default)'],
  },
  {
    name: "maxRouteDeletes fractional",
    raw: { ...base, maxRouteDeletes: "1.5" },
    problems: ['ksyun-route:maxRouteDeletes: "1.5" is not an integer'],
  },
  {
    name: "boolean spelled yes",
    raw: { ...base, allowMassDeletion: "yes" },
    problems: ['ksyun-route:allowMassDeletion: "yes" is not a boolean (use true or false)'],
  },
  {
    name: "monitorToken out of range",
    raw: { ...base, monitorToken: "maybe" },
    problems: ['ksyun-route:monitorToken: "maybe" is not one of auto, true, false'],
  },
  {
    name: "endpoint with another scheme",
    raw: { ...base, endpoint: "ftp://vpc.api.ksyun.com" },
    problems: [
      'ksyun-route:endpoint: "ftp://vpc.api.ksyun.com" must be an http(s) URL without path, query or fragment',
    ],
  },
  {
    name: "endpoint with a path",
    raw: { ...base, endpoint: "https://vpc.api.ksyun.com/v1" },
    problems: [
      'ksyun-route:endpoint: "https://vpc.api.ksyun.com/v1" must be an http(s) URL without path, query or fragment',
    ],
  },
  {
    name: "endpoint not a URL",
    raw: { ...base, endpoint: "vpc.api.ksyun.com" },
    problems: ['ksyun-route:endpoint: "vpc.api.ksyun.com" is not a URL'],
  },
  {
    name: "endpoint with credentials is not echoed",
    raw: { ...base, endpoint: "https://ak:hunter2@vpc.api.ksyun.com" },
    problems: ["ksyun-route:endpoint: (value not shown) must not contain credentials"],
  },
  {
    name: "unknown key (typo) is an error",
    raw: { ...base, "ksyun-route:maxRouteDelete": "5" },
    problems: [
      expect.stringMatching(/^ksyun-route:maxRouteDelete is not a known key \(known: region, .*maxRouteDeletes/),
    ],
  },
  {
    name: "watcher without image",
    raw: { ...base, enableWatcher: "true" },
    problems: ["ksyun-route:watcherImage is required when ksyun-route:enableWatcher is true"],
  },
  {
    name: "enableSecret without credentials",
    raw: { ...base, enableSecret: "true" },
    problems: [
      "ksyun-route:accessKeyId is required when ksyun-route:enableSecret is true",
      "ksyun-route:secretAccessKey is required when ksyun-route:enableSecret is true",
    ],
  },
  {
    name: "secret key without access key id",
    raw: { ...base, secretAccessKey: "s3cr3t-value" },
    problems: ["ksyun-route:accessKeyId is required together with the other credential keys"],
  },
  {
    name: "secret with trailing newline, not echoed",
    raw: { ...base, accessKeyId: "AKLTexample", secretAccessKey: "s3cr3t-value\n" },
    problems: ["ksyun-route:secretAccessKey: (secret value not shown) has leading or trailing whitespace"],
  },
  {
    name: "access key id with whitespace, not echoed either (a credential, set with --secret)",
    raw: { ...base, accessKeyId: "AKLT example", secretAccessKey: "s3cr3t-value" },
    problems: ["ksyun-route:accessKeyId: (secret value not shown) contains whitespace"],
  },
  {
    name: "cipherKey of the wrong length, not echoed",
    raw: { ...base, cipherKey: "tooshortkey" },
    problems: [
      "ksyun-route:cipherKey: (secret value not shown) must be 16, 24 or 32 bytes long (the AES-128/192/256 key of the original scheme)",
    ],
  },
  {
    name: "unknown cipher",
    raw: { ...base, cipher: "rsa" },
    problems: ['ksyun-route:cipher: "rsa" is not one of none, aes256+base64'],
  },
  {
    name: "qps zero",
    raw: { ...base, qps: "0" },
    problems: ['ksyun-route:qps: "0" is not between 1 and 10000'],
  },
  {
    name: "qps fractional: an integer, as Pulumi.yaml declares it",
    raw: { ...base, qps: "2.5" },
    problems: ['ksyun-route:qps: "2.5" is not an integer'],
  },
  {
    name: "cipherKey counted in bytes: 16 characters of which one takes two bytes",
    raw: { ...base, cipherKey: "é23456789abcdef0" },
    problems: [
      "ksyun-route:cipherKey: (secret value not shown) must be 16, 24 or 32 bytes long (the AES-128/192/256 key of the original scheme)",
    ],
  },
  {
    name: "an encrypted secret key without its cipher key",
    raw: { ...base, accessKeyId: "AKLTexample", secretAccessKey: "c2VjcmV0", cipher: "aes256+base64" },
    problems: [
      'ksyun-route:cipher: "aes256+base64" needs ksyun-route:cipherKey to decrypt ksyun-route:secretAccessKey',
    ],
  },
  {
    name: "image with spaces and upper case",
    raw: { ...base, cniImage: "My Registry/cni" },
    problems: [
      'ksyun-route:cniImage: "My Registry/cni" is not a container image reference (registry/path[:tag][@sha256:digest])',
    ],
  },
];

describe("parseConfig rejects", () => {
  it.each(invalid)("$name", ({ raw, problems }) => {
    let caught: unknown;
    try {
      parseConfig(raw, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.problems).toEqual(problems);
    for (const key of SECRET_KEYS) {
      const value = raw[key];
      if (value) expect(error.message).not.toContain(value.trim());
    }
    expect(error.message.split("\n")).toHaveLength(problems.length === 1 ? 1 : problems.length + 1);
    expect(error.message).not.toContain("hunter2");
  });
});
