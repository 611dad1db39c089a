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
  /** Secret with keys PULUMI_BACKEND_URL and (for passphrase secrets providers) PULUMI_CONFIG_PASSPHRASE. */
  readonly backendSecret: string;
  /** The managed AK/SK Secret, so the Deployment waits for it; the fixed name when created by hand. */
  readonly akskSecretName: pulumi.Input<string>;
}

interface WatcherResources {
  readonly rbac: Rbac;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
}

/** The in-cluster watcher as one component: its RBAC, Deployment and PodDisruptionBudget. */
export class RouteWatcher extends pulumi.ComponentResource implements WatcherResources {
  readonly rbac: Rbac;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;

  constructor(args: WatcherArgs, opts: pulumi.CustomResourceOptions) {
    super(componentType("RouteWatcher"), WATCHER_NAME, {}, {});
    const resources = declareWatcher(args, inComponent(this, opts));
    this.rbac = resources.rbac;
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
            tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
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
            containers: [
              {
                name: "watcher",
                image: args.image,
                imagePullPolicy: "IfNotPresent",
                args: ["--stack", args.stack],
                env: [
                  { name: "POD_NAME", valueFrom: fromPod("metadata.name") },
                  { name: "POD_NAMESPACE", valueFrom: fromPod("metadata.namespace") },
                  { name: "HOME", value: HOME },
                  { name: "PULUMI_HOME", value: `${HOME}/.pulumi` },
                  { name: "PULUMI_SKIP_UPDATE_CHECK", value: "true" },
                  { name: "PULUMI_BACKEND_URL", valueFrom: fromBackend("PULUMI_BACKEND_URL", false) },
                  // Optional: a cloud secrets provider needs no passphrase.
                  { name: "PULUMI_CONFIG_PASSPHRASE", valueFrom: fromBackend("PULUMI_CONFIG_PASSPHRASE", true) },
                ],
                ports: [{ name: "http", containerPort: 8080 }],
                livenessProbe: {
                  httpGet: { path: "/healthz", port: "http" },
                  periodSeconds: 20,
                  timeoutSeconds: 5,
                  failureThreshold: 3,
                },
                readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 10, timeoutSeconds: 5 },
                // A `pulumi up` runs the CLI, the Node program and provider plugins at once.
                // Sized from bench/REPORT.md, as in deploy/kustomize/deployment.yaml.
                resources: { requests: { cpu: "100m", memory: "1Gi" }, limits: { memory: "2Gi" } },
                securityContext: { ...restrictedContainer, readOnlyRootFilesystem: true },
                volumeMounts: [
                  { name: "aksk", mountPath: AKSK_MOUNT_PATH, readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                  { name: "pulumi-home", mountPath: HOME },
                ],
              },
            ],
            volumes: [
              // Group-readable only: the non-root user reads it through fsGroup.
              { name: "aksk", secret: { secretName: args.akskSecretName, defaultMode: 0o440 } },
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
  return { rbac, deployment, podDisruptionBudget };
}
