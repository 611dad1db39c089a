import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { beforeAll, describe, expect, it } from "vitest";
import { allRegistered, recordRegistrations, resolve, type Registered } from "../../test/support/pulumi-mocks.ts";
import type * as Manifests from "./index.ts";
import type * as Secret from "./secret.ts";
import type * as Calico from "./calico.ts";
import type * as MasqAgent from "./masq-agent.ts";

type DaemonSet = k8s.types.output.apps.v1.DaemonSet;
type Deployment = k8s.types.output.apps.v1.Deployment;
type ConfigMap = k8s.types.output.core.v1.ConfigMap;
type Role = k8s.types.output.rbac.v1.ClusterRole;
type Binding = k8s.types.output.rbac.v1.ClusterRoleBinding;
type Rule = Manifests.Rule;

let registered: Registered[];
let m: typeof Manifests;
let secretModule: typeof Secret;
let calico: typeof Calico;
let masq: typeof MasqAgent;
let provider: k8s.Provider;

beforeAll(async () => {
  registered = await recordRegistrations();
  const k8sModule = await import("@pulumi/kubernetes");
  [m, secretModule, calico, masq] = await Promise.all([
    import("./index.ts"),
    import("./secret.ts"),
    import("./calico.ts"),
    import("./masq-agent.ts"),
  ]);
  provider = new k8sModule.Provider("k8s", {});
});

const isSecretInput = (v: unknown): boolean =>
  typeof v === "object" &&
  v !== null &&
  (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
const unsecret = (v: unknown): unknown => (isSecretInput(v) ? (v as { value: unknown }).value : v);

type Overrides = Partial<Omit<Manifests.ManifestArgs, "enable" | "images">> & {
  enable?: Partial<Manifests.ManifestArgs["enable"]>;
  images?: Partial<Manifests.ManifestArgs["images"]>;
};

const base: Manifests.ManifestArgs = {
  podCidr: "172.16.0.0/16",
  vpcCidr: "10.0.0.0/16",
  region: "cn-beijing-6",
  vpcId: "vpc-1",
  clusterUuid: "cluster-1",
  monitorToken: true,
  skipAwait: false,
  enable: { secret: true, cni: true, masqAgent: true, watcher: true },
  images: { cni: "cni:1", masqAgent: "masq:1", watcher: "watcher:1", annotator: "annotator:1" },
  secret: { ak: pulumi.secret("AKID"), sk: pulumi.secret("ENCRYPTED"), cipher: "aes256+base64" },
  watcher: {
    stack: "prod",
    stackSettings: "encryptionsalt: v1:x\nconfig:\n  ksyun-route:region: cn-beijing-6\n",
    port: 10280,
  },
};

interface Declared {
  readonly result: Manifests.ManifestResources;
  readonly objects: readonly Registered[];
  get<T>(type: string, name: string): T;
  has(type: string, name: string): boolean;
}

async function declare(o: Overrides = {}): Promise<Declared> {
  registered.length = 0;
  const result = m.declareManifests(
    { ...base, ...o, enable: { ...base.enable, ...o.enable }, images: { ...base.images, ...o.images } },
    { provider },
  );
  await allRegistered(result);
  const objects = registered.filter((r) => r.type.startsWith("kubernetes:"));
  const find = (type: string, name: string) => objects.find((r) => r.type === `kubernetes:${type}` && r.name === name);
  return {
    result,
    objects,
    get<T>(type: string, name: string): T {
      const found = find(type, name);
      if (!found) throw new Error(`${type} ${name} was not declared`);
      return found.inputs as T;
    },
    has: (type, name) => find(type, name) !== undefined,
  };
}

const key = (r: Registered) => `${r.type.replace("kubernetes:", "")} ${r.name}`;
const SECRET = ["core/v1:Secret kce-security-token"];
const CNI = [
  "core/v1:ConfigMap calico-config",
  "core/v1:ServiceAccount calico-node",
  "rbac.authorization.k8s.io/v1:ClusterRole calico-node",
  "rbac.authorization.k8s.io/v1:ClusterRoleBinding calico-node",
  "rbac.authorization.k8s.io/v1:Role calico-node",
  "rbac.authorization.k8s.io/v1:RoleBinding calico-node",
  "apps/v1:DaemonSet calico-cni",
];
const MASQ = ["core/v1:ConfigMap ip-masq-agent-config", "apps/v1:DaemonSet ip-masq-agent"];
const WATCHER = [
  "core/v1:ServiceAccount ksyun-route-watcher",
  "core/v1:ConfigMap ksyun-route-stack-config",
  "rbac.authorization.k8s.io/v1:ClusterRole ksyun-route-watcher",
  "rbac.authorization.k8s.io/v1:ClusterRoleBinding ksyun-route-watcher",
  "rbac.authorization.k8s.io/v1:Role ksyun-route-watcher",
  "rbac.authorization.k8s.io/v1:RoleBinding ksyun-route-watcher",
  "apps/v1:Deployment ksyun-route-watcher",
  "policy/v1:PodDisruptionBudget ksyun-route-watcher",
];
const CLUSTER_SCOPED = new Set(["ClusterRole", "ClusterRoleBinding"]);
const WORKLOADS: readonly [string, string][] = [
  ["apps/v1:DaemonSet", "calico-cni"],
  ["apps/v1:DaemonSet", "ip-masq-agent"],
  ["apps/v1:Deployment", "ksyun-route-watcher"],
];
const podSpec = (d: Declared, [type, name]: [string, string]) =>
  d.get<DaemonSet | Deployment>(type, name).spec.template.spec;

describe("declareManifests: objects", () => {
  it("declares every object under its fixed name, namespaced ones in kube-system, all with the common labels", async () => {
    const d = await declare();
    expect(d.objects.map(key).sort()).toEqual([...SECRET, ...CNI, ...MASQ, ...WATCHER].sort());
    for (const o of d.objects) {
      const meta = o.inputs.metadata as { name: string; namespace?: string; labels: Record<string, string> };
      expect(meta.name, key(o)).toBe(o.name);
      const kind = o.type.split(":").pop() ?? "";
      expect(meta.namespace, key(o)).toBe(CLUSTER_SCOPED.has(kind) ? undefined : "kube-system");
      expect(meta.labels, key(o)).toMatchObject({
        "app.kubernetes.io/managed-by": "ksyun-route",
        "app.kubernetes.io/part-of": "ksyun-route",
        "app.kubernetes.io/name": expect.any(String),
      });
    }
  });

  it("gives each group a switch of its own", async () => {
    const groups = { secret: SECRET, cni: CNI, masqAgent: MASQ, watcher: WATCHER } as const;
    for (const [group, keys] of Object.entries(groups)) {
      const d = await declare({ enable: { [group]: false } });
      const declared = d.objects.map(key);
      for (const k of keys) expect(declared, `${group} off`).not.toContain(k);
      const others = Object.entries(groups).flatMap(([g, ks]) => (g === group ? [] : ks));
      expect(declared.sort(), `${group} off`).toEqual([...others].sort());
      expect(d.result[group as keyof Manifests.ManifestResources]).toBeUndefined();
    }
    const none = await declare({ enable: { secret: false, cni: false, masqAgent: false, watcher: false } });
    expect(none.objects).toEqual([]);
  });

  it("binds every workload's selector to its pod labels and pulls images only when missing", async () => {
    const d = await declare();
    for (const w of WORKLOADS) {
      const spec = d.get<DaemonSet | Deployment>(w[0], w[1]).spec;
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
      const containers = [...spec.template.spec.containers, ...(spec.template.spec.initContainers ?? [])];
      for (const c of containers) expect(c.imagePullPolicy, `${w[1]}/${c.name}`).toBe("IfNotPresent");
    }
  });

  it("with skipAwait, annotates every object not to wait and to delete in the background; otherwise none", async () => {
    const skip = await declare({ skipAwait: true });
    const wait = await declare({ skipAwait: false });
    const annotationsOf = (o: (typeof skip.objects)[number]) =>
      (o.inputs.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    expect(skip.objects.length).toBeGreaterThan(10);
    const expected = { "pulumi.com/skipAwait": "true", "pulumi.com/deletionPropagationPolicy": "background" };
    for (const o of skip.objects) expect(annotationsOf(o), key(o)).toMatchObject(expected);
    for (const o of wait.objects) {
      expect(annotationsOf(o)["pulumi.com/skipAwait"], key(o)).toBeUndefined();
      expect(annotationsOf(o)["pulumi.com/deletionPropagationPolicy"], key(o)).toBeUndefined();
    }
  });

  it("refuses enabled groups that lack their inputs", () => {
    const { secret: _secret, ...noSecret } = base;
    expect(() => m.declareManifests(noSecret, { provider })).toThrow(/enableSecret/);
    const noWatcherImage = { ...base, images: { cni: "c", masqAgent: "m" } };
    expect(() => m.declareManifests(noWatcherImage, { provider })).toThrow(/enableWatcher/);
  });
});

describe("declareManifests: components", () => {
  it("each group is one component, and its objects are its children", async () => {
    const d = await declare();
    const children = {
      "ksyun-route:manifests:AkskSecret": [d.result.secret!.secret],
      "ksyun-route:manifests:CalicoCni": [d.result.cni!.daemonSet, d.result.cni!.configMap, d.result.cni!.rbac.role!],
      "ksyun-route:manifests:IpMasqAgent": [d.result.masqAgent!.daemonSet, d.result.masqAgent!.configMap],
      "ksyun-route:manifests:RouteWatcher": [d.result.watcher!.deployment, d.result.watcher!.rbac.serviceAccount],
    };
    for (const [type, resources] of Object.entries(children)) {
      for (const resource of resources) expect(await resolve(resource.urn)).toContain(`::${type}$kubernetes:`);
    }
  });
});

describe("Secret kce-security-token", () => {
  it("holds ak, sk and cipher as secret stringData when the SK is encrypted", async () => {
    const d = await declare();
    const inputs = d.get<Record<string, unknown>>("core/v1:Secret", "kce-security-token");
    expect(isSecretInput(inputs.stringData)).toBe(true);
    expect(unsecret(inputs.stringData)).toEqual({ ak: "AKID", sk: "ENCRYPTED", cipher: "aes256+base64" });
    expect(inputs.type).toBe("Opaque");
    expect(await pulumi.isSecret(d.result.secret!.secret.stringData)).toBe(true);
  });

  it("has no cipher key for a plaintext SK and keeps a non-empty security token", async () => {
    const d = await declare({
      secret: { ak: pulumi.secret("AKID"), sk: pulumi.secret("PLAIN"), securityToken: "tok" },
    });
    const stringData = unsecret(d.get<Record<string, unknown>>("core/v1:Secret", "kce-security-token").stringData);
    expect(stringData).toEqual({ ak: "AKID", sk: "PLAIN", securityToken: "tok" });
  });

  it("marks the data secret even when given plain strings, and drops an empty token", async () => {
    const data = secretModule.secretStringData({ ak: "AKID", sk: "PLAIN", securityToken: "" });
    expect(await pulumi.isSecret(data)).toBe(true);
    expect(await resolve(data)).toEqual({ ak: "AKID", sk: "PLAIN" });
  });

  it("records region, VPC and cluster as non-secret annotations", async () => {
    const d = await declare();
    const meta = d.get<ConfigMap>("core/v1:Secret", "kce-security-token").metadata;
    expect(meta.annotations).toEqual({
      "ksyun-route/region": "cn-beijing-6",
      "ksyun-route/vpc-id": "vpc-1",
      "ksyun-route/cluster-uuid": "cluster-1",
    });
  });
});

describe("calico-cni", () => {
  it("ships the fork's conflist: host-local IPAM on the node's pod CIDR, portmap and bandwidth", async () => {
    const d = await declare();
    const data = d.get<ConfigMap>("core/v1:ConfigMap", "calico-config").data;
    expect(Object.keys(data).sort()).toEqual(["calico_iface", "cni_network_config", "masquerade", "monitor_token"]);
    expect(data).toMatchObject({ calico_iface: "", masquerade: "false", monitor_token: "true" });
    const conflist = JSON.parse(data.cni_network_config ?? "");
    expect(conflist.name).toBe("k8s-pod-network");
    const [calicoPlugin, portmap, bandwidth] = conflist.plugins;
    expect(calicoPlugin).toMatchObject({
      type: "calico",
      datastore_type: "kubernetes",
      nodename: "__KUBERNETES_NODE_NAME__",
      nodename_file_optional: true,
      ipam: { type: "host-local", subnet: "usePodCidr" },
      policy: { type: "k8s" },
      kubernetes: { kubeconfig: "__KUBECONFIG_FILEPATH__" },
    });
    expect(portmap).toEqual({ type: "portmap", snat: true, capabilities: { portMappings: true } });
    expect(bandwidth).toEqual({ type: "bandwidth", capabilities: { bandwidth: true } });
    expect(calico.cniNetworkConfig()).toBe(data.cni_network_config);
  });

  it("follows monitorToken in the ConfigMap and in the token RBAC", async () => {
    const off = await declare({ monitorToken: false });
    expect(off.get<ConfigMap>("core/v1:ConfigMap", "calico-config").data.monitor_token).toBe("false");
    expect(off.has("rbac.authorization.k8s.io/v1:Role", "calico-node")).toBe(false);
    expect(off.has("rbac.authorization.k8s.io/v1:RoleBinding", "calico-node")).toBe(false);

    const on = await declare({ monitorToken: true });
    expect(on.get<Role>("rbac.authorization.k8s.io/v1:Role", "calico-node").rules).toEqual([
      { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"], resourceNames: ["calico-node"] },
    ]);
    expect(on.get<Binding>("rbac.authorization.k8s.io/v1:RoleBinding", "calico-node")).toMatchObject({
      roleRef: { kind: "Role", name: "calico-node" },
      subjects: [{ kind: "ServiceAccount", name: "calico-node", namespace: "kube-system" }],
    });
  });

  it("grants the CNI plugin reads only, plus node update only for the annotator", async () => {
    const withAnnotator = await declare();
    const without = await declare({ images: { annotator: undefined } });
    const rules = (d: Declared) => d.get<Role>("rbac.authorization.k8s.io/v1:ClusterRole", "calico-node").rules;
    for (const r of [...rules(withAnnotator), ...rules(without)]) {
      expect(r.apiGroups).toEqual([""]);
      expect(r.resources).not.toContain("nodes/status");
    }
    const writes = (d: Declared) =>
      rules(d).flatMap((r) => r.verbs.filter((v) => !["get", "list"].includes(v)).map((v) => `${r.resources} ${v}`));
    expect(writes(without)).toEqual(["pods/status patch"]);
    expect(writes(withAnnotator).sort()).toEqual(["nodes update", "pods/status patch"]);
    expect(withAnnotator.get<Binding>("rbac.authorization.k8s.io/v1:ClusterRoleBinding", "calico-node")).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "calico-node" },
      subjects: [{ kind: "ServiceAccount", name: "calico-node", namespace: "kube-system" }],
    });
  });

  it("runs install-cni long-lived on every real node with the original's env and host dirs, unprivileged", async () => {
    const d = await declare({ images: { cni: "registry/cni:v3" } });
    const ds = d.get<DaemonSet>("apps/v1:DaemonSet", "calico-cni");
    expect(ds.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } });
    const spec = ds.spec.template.spec;
    expect(spec).toMatchObject({
      hostNetwork: true,
      serviceAccountName: "calico-node",
      priorityClassName: "system-node-critical",
      tolerations: expect.arrayContaining([
        { operator: "Exists", effect: "NoSchedule" },
        { operator: "Exists", effect: "NoExecute" },
        { key: "CriticalAddonsOnly", operator: "Exists" },
      ]),
    });
    const term = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0];
    expect(term?.matchExpressions).toEqual([{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }]);
    expect(spec.containers).toHaveLength(1);
    const c = spec.containers[0]!;
    expect(c.name).toBe("install-cni");
    expect(c.image).toBe("registry/cni:v3");
    expect(c.env).toEqual([
      { name: "CNI_CONF_NAME", value: "10-calico.conflist" },
      { name: "KUBERNETES_NODE_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } },
      {
        name: "CNI_NETWORK_CONFIG",
        valueFrom: { configMapKeyRef: { name: "calico-config", key: "cni_network_config" } },
      },
      { name: "MONITOR_TOKEN", valueFrom: { configMapKeyRef: { name: "calico-config", key: "monitor_token" } } },
      { name: "CALICO_CNI_SERVICE_ACCOUNT", value: "calico-node" },
    ]);
    expect(c.resources.requests).toBeDefined();
    expect(c.securityContext.privileged).toBe(false);
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(c.securityContext.capabilities.drop).toEqual(["ALL"]);
    const mounts = Object.fromEntries(c.volumeMounts.map((v) => [v.name, v.mountPath]));
    const hostPaths = Object.fromEntries(spec.volumes.map((v) => [v.name, v.hostPath.path]));
    expect(Object.keys(mounts).map((n) => [hostPaths[n], mounts[n]])).toEqual([
      ["/opt/cni/bin", "/host/opt/cni/bin"],
      ["/etc/cni/net.d", "/host/etc/cni/net.d"],
    ]);
  });

  it("adds the annotation init container only when an annotator image is given", async () => {
    const withAnnotator = podSpec(await declare(), WORKLOADS[0]!);
    expect(withAnnotator.initContainers).toHaveLength(1);
    expect(withAnnotator.initContainers[0]).toMatchObject({
      name: "annotation",
      image: "annotator:1",
      env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
      securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
    const without = podSpec(await declare({ images: { annotator: undefined } }), WORKLOADS[0]!);
    expect(without.initContainers).toBeUndefined();
  });
});

describe("ip-masq-agent", () => {
  it("does not masquerade the pod and VPC networks", async () => {
    const d = await declare({ podCidr: "172.20.0.0/16", vpcCidr: "10.8.0.0/16" });
    const config = JSON.parse(d.get<ConfigMap>("core/v1:ConfigMap", "ip-masq-agent-config").data.config ?? "");
    expect(config).toEqual({
      NonMasqueradeCIDRs: ["172.20.0.0/16", "10.8.0.0/16"],
      MasqLinkLocal: true,
      ResyncInterval: "1m0s",
    });
    expect(masq.masqAgentConfig("a", "b")).toBe(
      JSON.stringify({ NonMasqueradeCIDRs: ["a", "b"], MasqLinkLocal: true, ResyncInterval: "1m0s" }),
    );
  });

  it("runs with NET_ADMIN and NET_RAW only, its config at /etc/config/ip-masq-agent, no API token", async () => {
    const spec = podSpec(await declare({ images: { masqAgent: "masq:2" } }), WORKLOADS[1]!);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.tolerations).toEqual(expect.arrayContaining([{ operator: "Exists", effect: "NoSchedule" }]));
    const c = spec.containers[0]!;
    expect(c.image).toBe("masq:2");
    expect(c.resources.requests).toBeDefined();
    expect(c.securityContext).toMatchObject({
      privileged: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "NET_RAW"] },
    });
    expect(c.volumeMounts).toContainEqual({ name: "config", mountPath: "/etc/config" });
    const config = spec.volumes.find((v) => v.name === "config");
    expect(config?.configMap).toEqual({
      name: "ip-masq-agent-config",
      items: [{ key: "config", path: "ip-masq-agent" }],
    });
  });
});

describe("watcher", () => {
  const flatten = (rules: readonly Rule[] | Role["rules"]) =>
    rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => ({ group: g, resource: res, rule: r }))));

  it("declares exactly the exported rules: ClusterRole for nodes and events, Role for leases and the AK/SK Secret", async () => {
    const d = await declare();
    const clusterRole = d.get<Role>("rbac.authorization.k8s.io/v1:ClusterRole", "ksyun-route-watcher");
    const role = d.get<Role>("rbac.authorization.k8s.io/v1:Role", "ksyun-route-watcher");
    expect(clusterRole.rules).toEqual(JSON.parse(JSON.stringify(m.watcherClusterRules)));
    expect(role.rules).toEqual(JSON.parse(JSON.stringify(m.watcherNamespaceRules)));
    const cluster = flatten(m.watcherClusterRules);
    expect(cluster.map((e) => `${e.group}/${e.resource}`).sort()).toEqual(
      ["/events", "/nodes", "/nodes/status", "events.k8s.io/events"].sort(),
    );
    expect(cluster.find((e) => e.resource === "nodes")?.rule.verbs).toEqual(["get", "list", "watch"]);
    expect(cluster.find((e) => e.resource === "nodes/status")?.rule.verbs).toEqual(["patch"]);
    const leases = flatten(m.watcherNamespaceRules).find((e) => e.resource === "leases");
    expect(leases?.group).toBe("coordination.k8s.io");
    expect(leases?.rule.verbs).toEqual(["get", "create", "update"]);
  });

  it("has no rights on workloads, RBAC, any Secret but kce-security-token, any ConfigMap but its ledger", () => {
    const all = [...flatten(m.watcherClusterRules), ...flatten(m.watcherNamespaceRules)];
    for (const e of all) {
      expect(["apps", "rbac.authorization.k8s.io", "*"]).not.toContain(e.group);
      expect(["daemonsets", "deployments", "*"]).not.toContain(e.resource);
      expect(e.rule.verbs).not.toContain("*");
    }
    expect(flatten(m.watcherClusterRules).some((e) => e.resource === "secrets" || e.resource === "configmaps")).toBe(
      false,
    );
    const configMaps = flatten(m.watcherNamespaceRules).filter((e) => e.resource === "configmaps");
    expect(configMaps.map((e) => e.rule)).toEqual([
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "patch"], resourceNames: ["ksyun-route-ledger"] },
      // A ConfigMap of any name can be created (RBAC cannot limit create by name), none read or changed.
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
    ]);
    const secrets = flatten(m.watcherNamespaceRules).filter((e) => e.resource === "secrets");
    expect(secrets.map((e) => e.rule)).toEqual([
      { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["kce-security-token"] },
    ]);
  });

  it("runs two hardened replicas against the given stack and backend Secret", async () => {
    const watcher = { stack: "org/prod", backendSecret: "be", stackSettings: "config: {}\n", port: 10299 };
    const d = await declare({ images: { watcher: "w:2" }, watcher });
    const deployment = d.get<Deployment>("apps/v1:Deployment", "ksyun-route-watcher");
    expect(deployment.spec.replicas).toBe(2);
    const spec = deployment.spec.template.spec;
    expect(spec.serviceAccountName).toBe("ksyun-route-watcher");
    expect(spec.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    const c = spec.containers[0]!;
    expect(c.image).toBe("w:2");
    expect(c.args).toEqual([
      ...["--stack", "org/prod", "--config-file", "/etc/ksyun-route/Pulumi.prod.yaml"],
      ...["--port", "10299", "--bind-address", "$(POD_IP)"],
    ]);
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(env.PULUMI_BACKEND_URL).toMatchObject({ name: "be", key: "PULUMI_BACKEND_URL" });
    expect(env.PULUMI_CONFIG_PASSPHRASE).toMatchObject({ name: "be", key: "PULUMI_CONFIG_PASSPHRASE" });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.securityContext.capabilities.add).toBeUndefined();
    expect(c.ports).toEqual([{ name: "http", containerPort: 10299 }]);
    expect(c.env.find((e) => e.name === "POD_IP")?.valueFrom?.fieldRef).toMatchObject({ fieldPath: "status.podIP" });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.resources.requests).toBeDefined();

    const volumes = Object.fromEntries(spec.volumes.map((v) => [v.name, v]));
    const mountOf = (path: string) => c.volumeMounts.find((v) => v.mountPath === path);
    expect(mountOf("/var/lib/aksk")).toMatchObject({ readOnly: true });
    expect(volumes[mountOf("/var/lib/aksk")!.name]?.secret.secretName).toBe("kce-security-token");
    expect(volumes[mountOf("/tmp")!.name]?.emptyDir).toBeDefined();
    const home = c.env.find((e) => e.name === "PULUMI_HOME")?.value ?? "";
    const homeMount = c.volumeMounts.find((v) => home.startsWith(v.mountPath));
    expect(volumes[homeMount!.name]?.emptyDir).toBeDefined();

    // The stack's settings come from a ConfigMap volume (not a subPath: it must follow updates).
    const settings = mountOf("/etc/ksyun-route");
    expect(settings).toMatchObject({ readOnly: true });
    expect(settings!.subPath).toBeUndefined();
    expect(volumes[settings!.name]?.configMap.name).toBe("ksyun-route-stack-config");
    const configMap = d.get<{ data: Record<string, string> }>("core/v1:ConfigMap", "ksyun-route-stack-config");
    expect(configMap.data).toEqual({ "Pulumi.prod.yaml": "config: {}\n" });

    const anti = spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]!.podAffinityTerm;
    expect(anti.topologyKey).toBe("kubernetes.io/hostname");
    expect(deployment.spec.template.metadata.labels).toMatchObject(anti.labelSelector.matchLabels);
  });

  it("runs on the host network with the node's resolver, scheduled onto nodes without routes or cloud facts", async () => {
    const spec = podSpec(await declare(), WORKLOADS[2]!);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.dnsPolicy).toBe("Default");
    expect(spec.priorityClassName).toBe("system-cluster-critical");
    const tolerated = spec.tolerations.map((t) => `${t.key} ${t.operator} ${t.effect ?? "*"}`);
    expect(tolerated).toEqual([
      "CriticalAddonsOnly Exists *",
      "node.kubernetes.io/network-unavailable Exists NoSchedule",
      "node.kubernetes.io/not-ready Exists NoSchedule",
      "node.cloudprovider.kubernetes.io/uninitialized Exists NoSchedule",
      "node-role.kubernetes.io/control-plane Exists NoSchedule",
    ]);
    const c = spec.containers[0]!;
    expect(c.securityContext.privileged).toBeUndefined();
    expect(spec.hostPID ?? false).toBe(false);
  });

  it("warms Node's compile cache in an init container of the same image, into the watcher's /tmp", async () => {
    const spec = podSpec(await declare(), WORKLOADS[2]!);
    const [init] = spec.initContainers;
    expect(init).toMatchObject({ name: "compile-cache", image: "watcher:1", args: ["--help"] });
    const cache = (container: typeof init) => container!.env.find((e) => e.name === "NODE_COMPILE_CACHE")?.value;
    expect(cache(init)).toBe(cache(spec.containers[0]));
    expect(init!.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(init!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
  });

  it("keeps one replica through voluntary disruptions", async () => {
    const d = await declare();
    const pdb = d.get<{ spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
      "policy/v1:PodDisruptionBudget",
      "ksyun-route-watcher",
    );
    expect(pdb.spec.minAvailable).toBe(1);
    const pods = d.get<Deployment>("apps/v1:Deployment", "ksyun-route-watcher").spec.template.metadata.labels;
    expect(pods).toMatchObject(pdb.spec.selector.matchLabels);
  });

  it("mounts the hand-made kce-security-token when the Secret is not managed", async () => {
    const d = await declare({ enable: { secret: false } });
    const spec = podSpec(d, WORKLOADS[2]!);
    expect(spec.volumes.find((v) => v.secret)?.secret.secretName).toBe("kce-security-token");
  });
});
