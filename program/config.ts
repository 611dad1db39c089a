// The program's stack configuration: the provider's KSYun keys plus the program's own, declared once
// (providers/ksyun-route/config-schema.ts) and validated before any I/O, so a bad value fails the run with the key
// and value named. Credentials are validated here but not returned: the clients read them through the provider's
// readSettings, and the Secret manifest through pulumi.Config's secret Outputs.
import { cidrsOverlap, parseIpv4Cidr } from "@ksyun-route/provider/cidr";
import { KSYUN_KEYS, NAMESPACE, ksyunSettings } from "@ksyun-route/provider/config";
import { ConfigError, matching, oneOf, readSchema, type Schema } from "@ksyun-route/provider/config-schema";
import { KSYUN_ID, type Cipher } from "@ksyun-route/provider/ids";

export { ConfigError, NAMESPACE };

export const DEFAULT_CNI_IMAGE = "hub.kce.ksyun.com/ksyun/calico/cni:v3.24.6-for-selfbuild-cluster";
export const DEFAULT_MASQ_AGENT_IMAGE = "hub.kce.ksyun.com/ksyun/ip-masq-agent-amd64:v2.0.0";

const CLUSTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// Docker reference grammar, simplified: lower-case [registry[:port]/]path, optional tag, optional sha256 digest.
const IMAGE =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
const image = matching(IMAGE, "a container image reference (registry/path[:tag][@sha256:digest])");
const cidr = (value: string) => {
  const parsed = parseIpv4Cidr(value);
  return parsed.ok ? undefined : parsed.problem;
};
const MONITOR_TOKEN = ["auto", "true", "false"] as const;
type MonitorToken = (typeof MONITOR_TOKEN)[number];

const PROGRAM_KEYS = {
  vpcId: {
    type: "string",
    group: "Cluster and routes",
    description: "The VPC whose route table gets one host route per node (a lower-case UUID).",
    check: matching(KSYUN_ID, "a VPC id (a lower-case UUID)"),
  },
  clusterUuid: {
    type: "string",
    group: "Cluster and routes",
    default: "",
    description: "Cluster id, written into the route descriptions and the Secret for traceability.",
    details:
      "Up to 64 letters, digits, `.`, `_`, `-`. Every new route's description is `ksyun-route <clusterUuid> node <name>`; `npm run status` uses it to recognise this cluster's routes. Set it whenever several clusters share a VPC. KSYun cannot change a route's description: a new `clusterUuid` reaches only routes created after it.",
    check: matching(CLUSTER_ID, "a cluster id (up to 64 letters, digits, '.', '_', '-')"),
  },
  podCidr: {
    type: "string",
    group: "Cluster and routes",
    description: "The cluster pod network (e.g. 172.16.0.0/16). Every node's pod CIDR must lie inside it.",
    details: "A canonical IPv4 CIDR. A node whose pod CIDR is outside it is skipped. Must not overlap `vpcCidr`.",
    check: cidr,
  },
  vpcCidr: {
    type: "string",
    group: "Cluster and routes",
    default: "",
    requiredWhen: "required when `enableMasqAgent`",
    description:
      "The VPC network (e.g. 10.0.0.0/16); with podCidr, the destinations ip-masq-agent does not masquerade. Required when enableMasqAgent is true.",
    check: cidr,
  },
  kubeconfig: {
    type: "string",
    group: "Cluster and routes",
    default: "",
    redacted: true,
    description: "Path to a kubeconfig file. Empty uses the usual resolution (KUBECONFIG, ~/.kube/config, in-cluster).",
    details: "A path, not the file's contents: those hold credentials that must not reach the state.",
  },
  kubeContext: {
    type: "string",
    group: "Cluster and routes",
    default: "",
    description: "Context in the kubeconfig. Empty uses the current context.",
  },
  maxRouteDeletes: {
    type: "integer",
    group: "Cluster and routes",
    default: -1,
    description:
      "The most routes one run may delete; -1 means max(3, 10% of the routes). Beyond it the deletes are withheld.",
    details:
      "10 % of the routes the stack manages, rounded up. Withheld routes stay, in KSYun and in the state, while creates and replaces proceed; the run warns, and the watcher reports it (metric, Warning Event). Replaces (same node, new CIDR or instance) do not count.",
    check: (value) => (Number(value) >= -1 ? undefined : "is not a non-negative integer (or -1 for the default)"),
  },
  allowMassDeletion: {
    type: "boolean",
    group: "Cluster and routes",
    default: false,
    description:
      "Lets one run delete more than maxRouteDeletes routes, or all routes when the node list is empty. Set it for one run, then unset it.",
    details: "The run warns while it is set.",
  },
  replaceConflictingRoutes: {
    type: "boolean",
    group: "Cluster and routes",
    default: false,
    description:
      "When a node's destination already has a route with another next hop, delete that route and create ours instead of failing.",
    details: "Without it that node gets no route (its reason names the conflicting route); every other node proceeds.",
  },
  enableCni: {
    type: "boolean",
    group: "Manifests",
    default: true,
    description: "Manage the calico-cni DaemonSet, its ConfigMap, ServiceAccount and RBAC.",
  },
  enableMasqAgent: {
    type: "boolean",
    group: "Manifests",
    default: true,
    description: "Manage ip-masq-agent and its ConfigMap. Needs vpcCidr.",
  },
  enableSecret: {
    type: "boolean",
    group: "Manifests",
    default: false,
    description: "Manage the kce-security-token Secret (ak, sk, cipher) from the credentials above.",
    details: "So the in-cluster watcher can mount it. Needs `accessKeyId` and `secretAccessKey`.",
  },
  enableWatcher: {
    type: "boolean",
    group: "Manifests",
    default: false,
    description:
      "Deploy the in-cluster watcher that keeps the routes converged: on node changes at once, and every five minutes.",
    details:
      "Deployment `ksyun-route-watcher` (2 replicas), its RBAC and a PodDisruptionBudget. Needs `watcherImage`. See [operations.md](operations.md).",
  },
  watcherPort: {
    type: "integer",
    group: "Manifests",
    default: 10280,
    description:
      "The watcher's port for /healthz, /readyz and /metrics, on the node's address (it runs on the host network).",
    details:
      "Not 8080 or 10258, which the original controller holds on the host, so both can run during a migration. See [security.md](security.md#the-watcher-on-the-host-network).",
    check: (value) =>
      Number(value) >= 1024 && Number(value) <= 65535 ? undefined : "is not a port from 1024 to 65535",
  },
  cniImage: {
    type: "string",
    group: "Manifests",
    default: DEFAULT_CNI_IMAGE,
    description: "The KSYun build of the calico cni installer image.",
    details:
      "Built from `kingsoftcloud/calico`, see the README. Every image key is checked as `registry/path[:tag][@sha256:digest]`.",
    check: image,
  },
  masqAgentImage: {
    type: "string",
    group: "Manifests",
    default: DEFAULT_MASQ_AGENT_IMAGE,
    description: "The ip-masq-agent image.",
    check: image,
  },
  watcherImage: {
    type: "string",
    group: "Manifests",
    default: "",
    requiredWhen: "required when `enableWatcher`",
    description: "The watcher image built from deploy/Dockerfile; required when enableWatcher is true.",
    check: image,
  },
  annotatorImage: {
    type: "string",
    group: "Manifests",
    default: "",
    description: "Optional image of an init container that annotates the node with its instance id.",
    details:
      "In the calico-cni DaemonSet, from the metadata service (the original's `annotation` image). Empty: no init container.",
    check: image,
  },
  monitorToken: {
    type: "string",
    group: "Manifests",
    default: "auto",
    description:
      "calico cni monitor_token (re-write the CNI kubeconfig when the service-account token rotates) - auto (true when the API server is 1.23 or newer), true or false.",
    check: oneOf(MONITOR_TOKEN),
  },
  skipAwait: {
    type: "boolean",
    group: "Manifests",
    default: false,
    description:
      "Do not wait for DaemonSets and Deployments to become ready (for API servers without kubelets, like the dev stack).",
    details: "Also deletes in the background. Leave it off on real clusters.",
  },
} as const satisfies Schema;

/** Every key of the stack configuration, in Pulumi.yaml's order. */
export const CONFIG_SCHEMA: Schema = { ...KSYUN_KEYS, ...PROGRAM_KEYS };

export interface ProgramConfig {
  readonly region: string;
  readonly vpcId: string;
  readonly clusterUuid: string | undefined;
  readonly podCidr: string;
  /** Required when enableMasqAgent (its NonMasqueradeCIDRs). */
  readonly vpcCidr: string | undefined;
  /** Undefined ⇒ the planner applies max(3, ceil(10 % of the managed routes)). */
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
  readonly watcherPort: number;
  /** Undefined ⇒ no annotator initContainer. */
  readonly annotatorImage: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly kubeContext: string | undefined;
  /** How secretAccessKey/securityToken are stored (the original's AES scheme or plain). */
  readonly cipher: Cipher;
  /** Lets a route take over a destination that another (unmanaged) route holds. */
  readonly replaceConflictingRoutes: boolean;
}

/** Validates every key at once and throws one ConfigError listing all problems. */
export function parseConfig(
  raw: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProgramConfig {
  const { values, problems, problem } = readSchema(NAMESPACE, CONFIG_SCHEMA, raw, { strict: true, env });
  const ksyun = ksyunSettings(values, problem, problems);
  const required = (key: string, why: string): void => {
    if (!values.isSet(key)) problems.push(`${NAMESPACE}:${key} is required ${why}`);
  };

  const podCidr = parseIpv4Cidr(values.string("podCidr") ?? "");
  const vpcCidr = parseIpv4Cidr(values.string("vpcCidr") ?? "");
  if (podCidr.ok && vpcCidr.ok && cidrsOverlap(podCidr.cidr, vpcCidr.cidr)) {
    problem("podCidr", `overlaps ${NAMESPACE}:vpcCidr ${JSON.stringify(values.string("vpcCidr"))}`);
  }
  const when = (key: string) => `when ${NAMESPACE}:${key} is true`;
  if (values.boolean("enableMasqAgent")) required("vpcCidr", when("enableMasqAgent"));
  if (values.boolean("enableWatcher")) required("watcherImage", when("enableWatcher"));
  if (values.boolean("enableSecret")) {
    required("accessKeyId", when("enableSecret"));
    required("secretAccessKey", when("enableSecret"));
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);

  const maxRouteDeletes = values.integer("maxRouteDeletes");
  return {
    region: ksyun.region,
    vpcId: values.string("vpcId")!,
    clusterUuid: values.string("clusterUuid"),
    podCidr: values.string("podCidr")!,
    vpcCidr: values.string("vpcCidr"),
    maxRouteDeletes: maxRouteDeletes === -1 ? undefined : maxRouteDeletes,
    allowMassDeletion: values.boolean("allowMassDeletion"),
    monitorToken: values.string("monitorToken") as MonitorToken,
    skipAwait: values.boolean("skipAwait"),
    enableCni: values.boolean("enableCni"),
    enableMasqAgent: values.boolean("enableMasqAgent"),
    enableSecret: values.boolean("enableSecret"),
    enableWatcher: values.boolean("enableWatcher"),
    cniImage: values.string("cniImage")!,
    masqAgentImage: values.string("masqAgentImage")!,
    watcherImage: values.string("watcherImage"),
    watcherPort: values.integer("watcherPort"),
    annotatorImage: values.string("annotatorImage"),
    kubeconfig: values.string("kubeconfig"),
    kubeContext: values.string("kubeContext"),
    cipher: ksyun.cipher,
    replaceConflictingRoutes: values.boolean("replaceConflictingRoutes"),
  };
}
