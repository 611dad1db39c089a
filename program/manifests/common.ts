// Shared metadata, scheduling and RBAC helpers for the cluster-side manifests.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export const DEFAULT_NAMESPACE = "kube-system";
/** The Secret the original's aksk file provider reads (mounted at AKSK_MOUNT_PATH). */
export const AKSK_SECRET_NAME = "kce-security-token";
export const AKSK_MOUNT_PATH = "/var/lib/aksk";

type Tolerations = k8s.types.input.core.v1.Toleration[];
type Affinity = k8s.types.input.core.v1.Affinity;

/** Recommended labels; `name` identifies the component (calico-cni, ip-masq-agent, …). */
function labels(name: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/part-of": "ksyun-route",
    "app.kubernetes.io/managed-by": "ksyun-route",
  };
}

/**
 * Workload selectors keep the original's `k8s-app` key: selectors are immutable, so an object
 * first applied from the original YAML can be adopted instead of failing on update.
 */
export function selectorLabels(name: string): Record<string, string> {
  return { "k8s-app": name };
}

export function podLabels(name: string): Record<string, string> {
  return { ...labels(name), ...selectorLabels(name) };
}

export function metadata(
  name: string,
  namespace: string | undefined,
  component: string,
  annotations?: Record<string, string>,
): k8s.types.input.meta.v1.ObjectMeta {
  return {
    name,
    ...(namespace !== undefined && { namespace }),
    labels: labels(component),
    ...(annotations && { annotations }),
  };
}

/**
 * For API servers without kubelets and controllers (the dev stack, tests): nothing ever becomes ready, and no
 * garbage collector finishes a foreground deletion, so `pulumi up` and `destroy` would hang. Real clusters keep
 * the provider's default waiting.
 */
const SKIP_AWAIT_ANNOTATIONS = {
  "pulumi.com/skipAwait": "true",
  "pulumi.com/deletionPropagationPolicy": "background",
} as const;

/** Adds SKIP_AWAIT_ANNOTATIONS to every Kubernetes object it is applied to. */
export const skipAwaitTransformation: pulumi.ResourceTransformation = ({ type, props, opts }) => {
  const meta = props.metadata as Record<string, unknown> | undefined;
  if (!type.startsWith("kubernetes:") || !meta) return undefined;
  const annotations = { ...(meta.annotations as Record<string, string> | undefined), ...SKIP_AWAIT_ANNOTATIONS };
  return { props: { ...props, metadata: { ...meta, annotations } }, opts };
};

/** Node agents must run on every node, including tainted and critical-addon-only ones. */
export const nodeAgentTolerations: Tolerations = [
  { operator: "Exists", effect: "NoSchedule" },
  { operator: "Exists", effect: "NoExecute" },
  { key: "CriticalAddonsOnly", operator: "Exists" },
];

/**
 * Virtual-kubelet nodes have no host network or host paths; a pod there never starts and would
 * block the rollout. (The original meant this for its controller too, but a duplicate `affinity:`
 * key silently dropped it.)
 */
export const realNodesOnly: Affinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }] }],
    },
  },
};

export const runtimeDefaultSeccomp = { seccompProfile: { type: "RuntimeDefault" } };

/** Container hardening for processes that need neither root nor any capability. */
export const restrictedContainer = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
};

/** An RBAC rule as plain data, so deploy/ kustomize files and tests can reuse it. */
export interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

function toPolicyRules(rules: readonly Rule[]): k8s.types.input.rbac.v1.PolicyRule[] {
  return rules.map((r) => ({
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    verbs: [...r.verbs],
    ...(r.resourceNames && { resourceNames: [...r.resourceNames] }),
  }));
}

export interface Rbac {
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly clusterRole: k8s.rbac.v1.ClusterRole;
  readonly clusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding;
  /** Absent when there are no namespaced rules. */
  readonly role?: k8s.rbac.v1.Role;
  readonly roleBinding?: k8s.rbac.v1.RoleBinding;
}

/**
 * A ServiceAccount with cluster-wide rules (ClusterRole) and rules confined to its own namespace
 * (Role), all named `name`.
 */
export function declareRbac(
  name: string,
  component: string,
  namespace: string,
  rules: { readonly cluster: readonly Rule[]; readonly namespaced: readonly Rule[] },
  opts: pulumi.CustomResourceOptions,
): Rbac {
  const serviceAccount = new k8s.core.v1.ServiceAccount(name, { metadata: metadata(name, namespace, component) }, opts);
  const subjects = [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }];
  const clusterRole = new k8s.rbac.v1.ClusterRole(
    name,
    { metadata: metadata(name, undefined, component), rules: toPolicyRules(rules.cluster) },
    opts,
  );
  const clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(
    name,
    {
      metadata: metadata(name, undefined, component),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
      subjects,
    },
    opts,
  );
  if (rules.namespaced.length === 0) return { serviceAccount, clusterRole, clusterRoleBinding };
  const role = new k8s.rbac.v1.Role(
    name,
    { metadata: metadata(name, namespace, component), rules: toPolicyRules(rules.namespaced) },
    opts,
  );
  const roleBinding = new k8s.rbac.v1.RoleBinding(
    name,
    {
      metadata: metadata(name, namespace, component),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects,
    },
    opts,
  );
  return { serviceAccount, clusterRole, clusterRoleBinding, role, roleBinding };
}

/** The bindings a workload must wait for, so its first pods do not start without their rights. */
export function bindings(rbac: Rbac): pulumi.Resource[] {
  return [rbac.clusterRoleBinding, ...(rbac.roleBinding ? [rbac.roleBinding] : [])];
}

/**
 * Options for a manifest's objects inside its component: the component as parent, and an alias to the URN they had
 * at the top level before the components existed, so a stack made then sees no replacement.
 */
export function inComponent(
  component: pulumi.ComponentResource,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResourceOptions {
  return { ...opts, parent: component, aliases: [{ parent: pulumi.rootStackResource }] };
}

/** The component type tokens of the manifests (`ksyun-route:manifests:<Name>`). */
export const componentType = (name: string) => `ksyun-route:manifests:${name}`;
