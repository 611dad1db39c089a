// calico-cni: the KSYun fork of the calico CNI installer (kingsoftcloud/calico ksc_v3.24.6). No
// calico-node, Felix or calico IPAM runs; pods get host-local addresses from the node's pod CIDR
// and cross-node traffic rides on the VPC routes.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  bindings,
  componentType,
  declareRbac,
  inComponent,
  metadata,
  nodeAgentTolerations,
  podLabels,
  realNodesOnly,
  restrictedContainer,
  runtimeDefaultSeccomp,
  selectorLabels,
} from "./common.ts";
import type { Rbac, Rule } from "./common.ts";

const CONFIG_MAP = "calico-config";
const SERVICE_ACCOUNT = "calico-node";
const DAEMON_SET = "calico-cni";

export interface CalicoArgs {
  readonly namespace: string;
  readonly image: string;
  /** Init container that writes the node's KEC instance id annotation; none when undefined. */
  readonly annotatorImage?: string;
  /** Refresh the CNI kubeconfig's token through the TokenRequest API (needed on Kubernetes ≥ 1.23). */
  readonly monitorToken: boolean;
}

interface CalicoResources {
  readonly configMap: k8s.core.v1.ConfigMap;
  readonly rbac: Rbac;
  readonly daemonSet: k8s.apps.v1.DaemonSet;
}

/** calico-cni as one component: its ConfigMap, ServiceAccount, RBAC and DaemonSet. */
export class CalicoCni extends pulumi.ComponentResource implements CalicoResources {
  readonly configMap: k8s.core.v1.ConfigMap;
  readonly rbac: Rbac;
  readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(args: CalicoArgs, opts: pulumi.CustomResourceOptions) {
    super(componentType("CalicoCni"), DAEMON_SET, {}, {});
    ({
      configMap: this.configMap,
      rbac: this.rbac,
      daemonSet: this.daemonSet,
    } = declareCalico(args, inComponent(this, opts)));
    this.registerOutputs({ daemonSet: this.daemonSet.metadata.name });
  }
}

/** The fork's CNI config; install-cni fills in the two placeholders on each node. */
export function cniNetworkConfig(): string {
  const conflist = {
    name: "k8s-pod-network",
    cniVersion: "0.3.0",
    plugins: [
      {
        type: "calico",
        log_level: "info",
        datastore_type: "kubernetes",
        nodename: "__KUBERNETES_NODE_NAME__",
        nodename_file_optional: true,
        ipam: { type: "host-local", subnet: "usePodCidr" },
        policy: { type: "k8s" },
        kubernetes: { kubeconfig: "__KUBECONFIG_FILEPATH__" },
      },
      { type: "portmap", snat: true, capabilities: { portMappings: true } },
      { type: "bandwidth", capabilities: { bandwidth: true } },
    ],
  };
  return JSON.stringify(conflist, null, 2);
}

/**
 * What the service account's token (written into the host's CNI kubeconfig, so readable by node
 * root) can do: only the calls of the CNI plugin, its token refresher and the annotator.
 * Dropped from the original: crd.projectcalico.org (calico IPAM and ClusterInformation only; the
 * fork uses host-local and skips the ClusterInformation check), nodes list/watch/update/patch and
 * nodes/status, services, endpoints, endpointslices, networkpolicies, configmaps, serviceaccounts
 * (all calico-node/Felix, not deployed), pods watch/patch (a CNI call is one-shot and annotations go
 * through pods/status), serviceaccounts/token get/watch (TokenRequest is create only).
 */
export function calicoClusterRules(withAnnotator: boolean): Rule[] {
  return [
    // CNI ADD (policy k8s) reads the pod's labels, annotations, ports and service account; in
    // v3.24 the WorkloadEndpoint lookup lists pods by a metadata.name field selector (get-only from v3.26).
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    // The kubernetes datastore stores the endpoint (cni.projectcalico.org/podIP(s), containerID)
    // as pod annotations through the status subresource, on ADD and DEL.
    { apiGroups: [""], resources: ["pods/status"], verbs: ["patch"] },
    // CNI ADD (policy k8s) reads the pod's namespace annotations.
    { apiGroups: [""], resources: ["namespaces"], verbs: ["get"] },
    // ipam subnet "usePodCidr": the node's spec.podCIDR(s) become the host-local range.
    { apiGroups: [""], resources: ["nodes"], verbs: ["get"] },
    // The annotator writes kce.sdns.ksyun.com/instanceId and zone with a full Nodes().Update();
    // RBAC cannot confine that to the pod's own node, so it is granted only with the annotator.
    ...(withAnnotator ? [{ apiGroups: [""], resources: ["nodes"], verbs: ["update"] }] : []),
  ];
}

/** With monitor_token, install-cni requests tokens for its own service account only. */
export function calicoNamespaceRules(monitorToken: boolean): Rule[] {
  return monitorToken
    ? [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"], resourceNames: [SERVICE_ACCOUNT] }]
    : [];
}

function declareCalico(args: CalicoArgs, opts: pulumi.CustomResourceOptions): CalicoResources {
  const { namespace } = args;
  const configMap = new k8s.core.v1.ConfigMap(
    CONFIG_MAP,
    {
      metadata: metadata(CONFIG_MAP, namespace, DAEMON_SET),
      // The original's flannel-style net-conf.json is left out: nothing reads it.
      data: {
        cni_network_config: cniNetworkConfig(),
        monitor_token: String(args.monitorToken),
        calico_iface: "",
        masquerade: "false",
      },
    },
    opts,
  );
  const rbac = declareRbac(
    SERVICE_ACCOUNT,
    DAEMON_SET,
    namespace,
    {
      cluster: calicoClusterRules(args.annotatorImage !== undefined),
      namespaced: calicoNamespaceRules(args.monitorToken),
    },
    opts,
  );
  const fromConfigMap = (key: string) => ({ configMapKeyRef: { name: configMap.metadata.name, key } });
  const nodeName = { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } };

  const daemonSet = new k8s.apps.v1.DaemonSet(
    DAEMON_SET,
    {
      metadata: metadata(DAEMON_SET, namespace, DAEMON_SET),
      spec: {
        selector: { matchLabels: selectorLabels(DAEMON_SET) },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: podLabels(DAEMON_SET) },
          spec: {
            // The pod network does not exist until this pod has installed the CNI.
            hostNetwork: true,
            serviceAccountName: rbac.serviceAccount.metadata.name,
            priorityClassName: "system-node-critical",
            tolerations: nodeAgentTolerations,
            affinity: realNodesOnly,
            securityContext: runtimeDefaultSeccomp,
            ...(args.annotatorImage !== undefined && {
              initContainers: [
                {
                  name: "annotation",
                  image: args.annotatorImage,
                  imagePullPolicy: "IfNotPresent",
                  env: [{ name: "NODE_NAME", valueFrom: nodeName }],
                  resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                  // Only HTTP to the metadata service and the API server.
                  securityContext: { ...restrictedContainer, runAsUser: 65534 },
                },
              ],
            }),
            containers: [
              {
                name: "install-cni",
                image: args.image,
                imagePullPolicy: "IfNotPresent",
                env: [
                  { name: "CNI_CONF_NAME", value: "10-calico.conflist" },
                  { name: "KUBERNETES_NODE_NAME", valueFrom: nodeName },
                  { name: "CNI_NETWORK_CONFIG", valueFrom: fromConfigMap("cni_network_config") },
                  { name: "MONITOR_TOKEN", valueFrom: fromConfigMap("monitor_token") },
                  { name: "CALICO_CNI_SERVICE_ACCOUNT", value: rbac.serviceAccount.metadata.name },
                ],
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                // Writing binaries, the conflist and a 0600 kubeconfig into root-owned host dirs needs
                // uid 0, not privileged mode or host namespaces beyond the network. DAC_OVERRIDE
                // covers host dirs not owned by root (e.g. extracted from a tarball that kept its uid).
                // The root filesystem stays writable: the fork's installer is not known to avoid it.
                securityContext: {
                  runAsUser: 0,
                  privileged: false,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"], add: ["DAC_OVERRIDE"] },
                },
                volumeMounts: [
                  { name: "cni-bin-dir", mountPath: "/host/opt/cni/bin" },
                  { name: "cni-net-dir", mountPath: "/host/etc/cni/net.d" },
                ],
              },
            ],
            volumes: [
              { name: "cni-bin-dir", hostPath: { path: "/opt/cni/bin", type: "DirectoryOrCreate" } },
              { name: "cni-net-dir", hostPath: { path: "/etc/cni/net.d", type: "DirectoryOrCreate" } },
            ],
          },
        },
      },
    },
    { ...opts, dependsOn: bindings(rbac) },
  );
  return { configMap, rbac, daemonSet };
}
