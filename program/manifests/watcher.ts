// The in-cluster watcher: re-runs `pulumi up` for the routes on node changes. It gets the rights
// of a route controller and nothing that could change the manifests themselves.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  AKSK_MOUNT_PATH,
  AKSK_SECRET_NAME,
  bindings,
  componentType,
  declareRbac,
  inComponent,
  metadata,
  podLabels,
  realNodesOnly,
  restrictedContainer,
  runtimeDefaultSeccomp,
  selectorLabels,
} from "./common.ts";
import type { Rbac, Rule } from "./common.ts";
import { LEDGER_NAME } from "../ledger-name.ts";

export const WATCHER_NAME = "ksyun-route-watcher";

export const DEFAULT_BACKEND_SECRET = "ksyun-route-watcher-backend";
const HOME = "/home/pulumi";
/** Any non-root id: the image needs no particular user, the volumes are writable through fsGroup. */
const UID = 65532;

/** Cluster-wide: nodes and their events are not namespaced (node events go to "default"). */
export const watcherClusterRules: readonly Rule[] = [
  // The node informer and the route plan (pod CIDRs, instance ids).
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
  // The NetworkUnavailable condition, through the status subresource only.
  { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
  // Route events on nodes; patch lets the recorder aggregate repeats. Both event APIs are in use.
  { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
  { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
];

/** Confined to the watcher's namespace by a Role. */
export const watcherNamespaceRules: readonly Rule[] = [
  // Leader election between the replicas (create cannot be limited by name).
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
  // The routes run's credentials; by name, so no other Secret is readable.
  { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [AKSK_SECRET_NAME] },
  // The event path's ledger (watcher/ledger.ts): read and patched by name; create cannot be limited by name.
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "patch"], resourceNames: [LEDGER_NAME] },
  { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
];

export interface WatcherArgs {
  readonly namespace: string;
  readonly image: string;
  readonly stack: string;
  /** The stack's settings file (Pulumi.<stack>.yaml; its secrets are ciphertext), for the watcher's ConfigMap. */
  readonly stackSettings: string;
  /** The port of /healthz, /readyz and /metrics, on the node (host network). */
  readonly port: number;
  /** Secret with keys PULUMI_BACKEND_URL and (for passphrase secrets providers) PULUMI_CONFIG_PASSPHRASE. */
  readonly backendSecret: string;
  /** The managed AK/SK Secret, so the Deployment waits for it; the fixed name when created by hand. */
  readonly akskSecretName: pulumi.Input<string>;
}

interface WatcherResources {
  readonly rbac: Rbac;
  readonly stackConfig: k8s.core.v1.ConfigMap;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
}

/** The stack's settings, mounted where the watcher's --config-file reads them: one image for every cluster. */
const STACK_CONFIG_NAME = "ksyun-route-stack-config";
const STACK_CONFIG_DIR = "/etc/ksyun-route";
const stackSettingsFile = (stack: string) => `Pulumi.${stack.slice(stack.lastIndexOf("/") + 1)}.yaml`;

/**
 * The taints of a node that has no route yet, or no cloud facts yet, or is a control-plane node: the watcher must
 * run there to make the routes at all (the route controller's cloud-controller-manager tolerates the same).
 */
const watcherTolerations = [
  { key: "CriticalAddonsOnly", operator: "Exists" },
  { key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" },
  { key: "node.cloudprovider.kubernetes.io/uninitialized", operator: "Exists", effect: "NoSchedule" },
  { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
];

/** The in-cluster watcher as one component: its RBAC, stack settings, Deployment and PodDisruptionBudget. */
export class RouteWatcher extends pulumi.ComponentResource implements WatcherResources {
  readonly rbac: Rbac;
  readonly stackConfig: k8s.core.v1.ConfigMap;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;

  constructor(args: WatcherArgs, opts: pulumi.CustomResourceOptions) {
    super(componentType("RouteWatcher"), WATCHER_NAME, {}, {});
    const resources = declareWatcher(args, inComponent(this, opts));
    this.rbac = resources.rbac;
    this.stackConfig = resources.stackConfig;
    this.deployment = resources.deployment;
    this.podDisruptionBudget = resources.podDisruptionBudget;
    this.registerOutputs({ deployment: this.deployment.metadata.name });
  }
}

function declareWatcher(args: WatcherArgs, opts: pulumi.CustomResourceOptions): WatcherResources {
  const { namespace } = args;
  const rbac = declareRbac(
    WATCHER_NAME,
    WATCHER_NAME,
    namespace,
    { cluster: watcherClusterRules, namespaced: watcherNamespaceRules },
    opts,
  );
  const fromBackend = (key: string, optional: boolean) => ({
    secretKeyRef: { name: args.backendSecret, key, optional },
  });
  const fromPod = (fieldPath: string) => ({ fieldRef: { apiVersion: "v1", fieldPath } });
  const settingsFile = stackSettingsFile(args.stack);
  // A new version of the settings reaches the mounted file within about a minute (a ConfigMap volume, not a
  // subPath, which never updates), and the next run reads it: no rebuild, no restart.
  const stackConfig = new k8s.core.v1.ConfigMap(
    STACK_CONFIG_NAME,
    { metadata: metadata(STACK_CONFIG_NAME, namespace, WATCHER_NAME), data: { [settingsFile]: args.stackSettings } },
    opts,
  );
  const compileCache = { name: "NODE_COMPILE_CACHE", value: "/tmp/node-compile-cache" };
  const hardened = { ...restrictedContainer, readOnlyRootFilesystem: true };

  const deployment = new k8s.apps.v1.Deployment(
    WATCHER_NAME,
    {
      metadata: metadata(WATCHER_NAME, namespace, WATCHER_NAME),
      spec: {
        replicas: 2,
        selector: { matchLabels: selectorLabels(WATCHER_NAME) },
        template: {
          metadata: { labels: podLabels(WATCHER_NAME) },
          spec: {
            serviceAccountName: rbac.serviceAccount.metadata.name,
            priorityClassName: "system-cluster-critical",
            // A pod-network pod is reachable only through its node's VPC route, the very route this maintains:
            // without it the API server's answers could not reach the watcher, which could never bootstrap or
            // repair its own node. As the original and cloud-controller-manager do.
            hostNetwork: true,
            // The node's resolver (the VPC's), not CoreDNS: CoreDNS runs on the pod network, unreachable until
            // the routes exist, and the watcher needs no cluster name (the API server is KUBERNETES_SERVICE_HOST,
            // an address), only the KSYun and state backend endpoints, which the VPC resolver knows.
            dnsPolicy: "Default",
            tolerations: watcherTolerations,
            affinity: {
              ...realNodesOnly,
              // Spread the replicas so one node's loss does not stop route repair.
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: {
                      labelSelector: { matchLabels: selectorLabels(WATCHER_NAME) },
                      topologyKey: "kubernetes.io/hostname",
                    },
                  },
                ],
              },
            },
            securityContext: { runAsUser: UID, runAsGroup: UID, fsGroup: UID, ...runtimeDefaultSeccomp },
            initContainers: [
              {
                // `--help` loads every module and writes Node's compile cache into /tmp, so the watcher starts
                // without the type-stripping compiler in memory (scripts/node.sh says what it costs).
                name: "compile-cache",
                image: args.image,
                imagePullPolicy: "IfNotPresent",
                args: ["--help"],
                env: [compileCache],
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                securityContext: hardened,
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            containers: [
              {
                name: "watcher",
                image: args.image,
                imagePullPolicy: "IfNotPresent",
                args: [
                  ...["--stack", args.stack, "--config-file", `${STACK_CONFIG_DIR}/${settingsFile}`],
                  // The pod's IP is the node's: the port listens there only, not on every interface of the node.
                  ...["--port", String(args.port), "--bind-address", "$(POD_IP)"],
                ],
                env: [
                  { name: "POD_NAME", valueFrom: fromPod("metadata.name") },
                  { name: "POD_NAMESPACE", valueFrom: fromPod("metadata.namespace") },
                  { name: "POD_IP", valueFrom: fromPod("status.podIP") },
                  compileCache,
                  { name: "HOME", value: HOME },
                  { name: "PULUMI_HOME", value: `${HOME}/.pulumi` },
                  { name: "PULUMI_SKIP_UPDATE_CHECK", value: "true" },
                  { name: "PULUMI_BACKEND_URL", valueFrom: fromBackend("PULUMI_BACKEND_URL", false) },
                  // Optional: a cloud secrets provider needs no passphrase.
                  { name: "PULUMI_CONFIG_PASSPHRASE", valueFrom: fromBackend("PULUMI_CONFIG_PASSPHRASE", true) },
                ],
                ports: [{ name: "http", containerPort: args.port }],
                livenessProbe: {
                  httpGet: { path: "/healthz", port: "http" },
                  periodSeconds: 20,
                  timeoutSeconds: 5,
                  failureThreshold: 3,
                },
                readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 10, timeoutSeconds: 5 },
                // A `pulumi up` runs the CLI, the Node program and provider plugins at once.
                // Sized from bench/REPORT.md, as in deploy/kustomize/deployment.yaml.
                resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { memory: "1Gi" } },
                securityContext: hardened,
                volumeMounts: [
                  { name: "aksk", mountPath: AKSK_MOUNT_PATH, readOnly: true },
                  { name: "stack-config", mountPath: STACK_CONFIG_DIR, readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                  { name: "pulumi-home", mountPath: HOME },
                ],
              },
            ],
            volumes: [
              // Group-readable only: the non-root user reads it through fsGroup.
              { name: "aksk", secret: { secretName: args.akskSecretName, defaultMode: 0o440 } },
              { name: "stack-config", configMap: { name: stackConfig.metadata.name } },
              { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
              // Workspace state and any plugin download; the image's plugins must be on PATH.
              { name: "pulumi-home", emptyDir: { sizeLimit: "1Gi" } },
            ],
          },
        },
      },
    },
    { ...opts, dependsOn: bindings(rbac) },
  );
  const podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
    WATCHER_NAME,
    {
      metadata: metadata(WATCHER_NAME, namespace, WATCHER_NAME),
      spec: { minAvailable: 1, selector: { matchLabels: selectorLabels(WATCHER_NAME) } },
    },
    opts,
  );
  return { rbac, stackConfig, deployment, podDisruptionBudget };
}
