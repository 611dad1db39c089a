// ip-masq-agent: pod traffic to the pod and VPC networks keeps its source IP (the VPC routes
// deliver it); everything else is masqueraded to the node's address.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  componentType,
  inComponent,
  metadata,
  nodeAgentTolerations,
  podLabels,
  realNodesOnly,
  runtimeDefaultSeccomp,
  selectorLabels,
} from "./common.ts";

const NAME = "ip-masq-agent";
const CONFIG_MAP = "ip-masq-agent-config";
const XTABLES_LOCK = "/run/xtables.lock";

export interface MasqAgentArgs {
  readonly namespace: string;
  readonly image: string;
  readonly podCidr: string;
  readonly vpcCidr: string;
}

interface MasqAgentResources {
  readonly configMap: k8s.core.v1.ConfigMap;
  readonly daemonSet: k8s.apps.v1.DaemonSet;
}

/** ip-masq-agent as one component: its ConfigMap and DaemonSet. */
export class IpMasqAgent extends pulumi.ComponentResource implements MasqAgentResources {
  readonly configMap: k8s.core.v1.ConfigMap;
  readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(args: MasqAgentArgs, opts: pulumi.CustomResourceOptions) {
    super(componentType("IpMasqAgent"), NAME, {}, {});
    ({ configMap: this.configMap, daemonSet: this.daemonSet } = declareMasqAgent(args, inComponent(this, opts)));
    this.registerOutputs({ daemonSet: this.daemonSet.metadata.name });
  }
}

/** The agent's config file (it parses YAML, of which this JSON is a subset). */
export function masqAgentConfig(podCidr: string, vpcCidr: string): string {
  return JSON.stringify({ NonMasqueradeCIDRs: [podCidr, vpcCidr], MasqLinkLocal: true, ResyncInterval: "1m0s" });
}

function declareMasqAgent(args: MasqAgentArgs, opts: pulumi.CustomResourceOptions): MasqAgentResources {
  const { namespace } = args;
  const configMap = new k8s.core.v1.ConfigMap(
    CONFIG_MAP,
    {
      metadata: metadata(CONFIG_MAP, namespace, NAME),
      data: { config: masqAgentConfig(args.podCidr, args.vpcCidr) },
    },
    opts,
  );
  const daemonSet = new k8s.apps.v1.DaemonSet(
    NAME,
    {
      metadata: metadata(NAME, namespace, NAME),
      spec: {
        selector: { matchLabels: selectorLabels(NAME) },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: podLabels(NAME) },
          spec: {
            // Rules go into the host's nat table.
            hostNetwork: true,
            // It never calls the API server.
            automountServiceAccountToken: false,
            priorityClassName: "system-node-critical",
            tolerations: nodeAgentTolerations,
            affinity: realNodesOnly,
            securityContext: runtimeDefaultSeccomp,
            containers: [
              {
                name: NAME,
                image: args.image,
                imagePullPolicy: "IfNotPresent",
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                // iptables needs NET_ADMIN and NET_RAW as uid 0, nothing more. The root filesystem
                // stays writable: the image's iptables wrapper selects legacy/nft by rewriting
                // its alternatives on first run.
                securityContext: {
                  privileged: false,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "NET_RAW"] },
                },
                volumeMounts: [
                  { name: "config", mountPath: "/etc/config" },
                  { name: "xtables-lock", mountPath: XTABLES_LOCK },
                ],
              },
            ],
            volumes: [
              {
                name: "config",
                // Not optional (unlike the original): without it the agent would silently fall back
                // to its built-in ranges instead of the pod and VPC networks.
                configMap: { name: configMap.metadata.name, items: [{ key: "config", path: NAME }] },
              },
              // Shares the host's iptables lock with kube-proxy, so concurrent restores do not fail.
              { name: "xtables-lock", hostPath: { path: XTABLES_LOCK, type: "FileOrCreate" } },
            ],
          },
        },
      },
    },
    opts,
  );
  return { configMap, daemonSet };
}
