// What one Kubernetes Node means for routing, decided without I/O. The only lookup that needs the cloud
// (instance by InternalIP) is reported as "needs-ip-lookup" so the caller can batch it for all nodes.
import type { V1Node, V1NodeSystemInfo } from "@kubernetes/client-node";
import { cidrContains, formatIpv4Cidr, isIpv6Cidr, parseIpv4, parseIpv4Cidr } from "@ksyun-route/provider/cidr";
import type { Ipv4Cidr } from "@ksyun-route/provider/cidr";
import { KSYUN_ID } from "@ksyun-route/provider/ids";

/** Present = excluded, whatever the value (same rule as the original controller). */
export const EXCLUDE_LABELS = ["service.ksyun.com/exclude-node", "service.beta.kubernetes.io/exclude-node"] as const;

/** KCE 1.0 and KCE 2.0 annotations, in priority order. */
export const INSTANCE_ANNOTATIONS = [
  "appengine.sdns.ksyun.com/instance-uuid",
  "kce.sdns.ksyun.com/instanceId",
] as const;

export type InstanceIdSource =
  | `annotation:${(typeof INSTANCE_ANNOTATIONS)[number]}`
  | "spec.providerID"
  | "status.nodeInfo.systemUUID"
  | "InternalIP";

/**
 * Why a node gets no route of its own: `excluded` nodes want none (their route is deleted); `unroutable` ones have
 * nothing to route yet (no pod CIDR, IPv6 only); `trouble` nodes should have one but something about them is wrong,
 * and they keep any route they have (plan.ts).
 */
export type SkipKind = "excluded" | "unroutable" | "trouble";

export type NodeFacts =
  | { readonly name: string; readonly status: "skip"; readonly reason: string; readonly kind: SkipKind }
  | {
      readonly name: string;
      readonly status: "routable";
      readonly podCidr: Ipv4Cidr;
      readonly instanceId: string;
      readonly source: InstanceIdSource;
    }
  | {
      readonly name: string;
      readonly status: "needs-ip-lookup";
      readonly podCidr: Ipv4Cidr;
      readonly internalIp: string;
      /** Why the earlier sources gave nothing; ends up in the skip reason if the lookup finds nothing too. */
      readonly tried: readonly string[];
    };

export interface NodeFactsContext {
  /** The cluster pod CIDR (ksyun-route:podCidr); node CIDRs outside it are not routed. */
  readonly podCidr: Ipv4Cidr;
  /** Lower-case ids of the VPC's KEC instances; a systemUUID counts only if it is one of them. */
  readonly vpcInstanceIds: ReadonlySet<string>;
}

/** KEC instance ids are lower-case UUIDs; the original annotator wrote the metadata body untrimmed. */
export function normaliseInstanceId(raw: string): string | undefined {
  const id = raw.trim().toLowerCase();
  return KSYUN_ID.test(id) ? id : undefined;
}

type PodCidrChoice =
  | { readonly ok: true; readonly cidr: Ipv4Cidr }
  | { readonly ok: false; readonly reason: string; readonly kind: SkipKind };

/** The IPv4 entry of spec.podCIDRs (spec.podCIDR when the list is empty); it must lie inside the cluster pod CIDR. */
function choosePodCidr(node: V1Node, clusterPodCidr: Ipv4Cidr): PodCidrChoice {
  const spec = node.spec ?? {};
  const entries = spec.podCIDRs?.length ? spec.podCIDRs : spec.podCIDR ? [spec.podCIDR] : [];
  if (entries.length === 0) return { ok: false, reason: "no pod CIDR assigned yet", kind: "unroutable" };
  for (const entry of entries) {
    if (isIpv6Cidr(entry)) continue;
    const parsed = parseIpv4Cidr(entry);
    if (!parsed.ok) return { ok: false, reason: `pod CIDR "${entry}" ${parsed.problem}`, kind: "trouble" };
    if (!cidrContains(clusterPodCidr, parsed.cidr)) {
      return {
        ok: false,
        reason: `pod CIDR ${entry} is outside ksyun-route:podCidr ${formatIpv4Cidr(clusterPodCidr)}`,
        kind: "trouble",
      };
    }
    return { ok: true, cidr: parsed.cidr };
  }
  return {
    ok: false,
    reason: `IPv6-only pod CIDRs ${entries.join(", ")} are not routed (VPC host routes are IPv4)`,
    kind: "unroutable",
  };
}

function firstInternalIpv4(node: V1Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "InternalIP" && parseIpv4(a.address) !== undefined)?.address;
}

export function readNodeFacts(node: V1Node, context: NodeFactsContext): NodeFacts {
  const meta = node.metadata ?? {};
  const name = meta.name ?? "";
  const skip = (reason: string, kind: SkipKind): NodeFacts => ({ name, status: "skip", reason, kind });
  if (name === "") return skip("node has no metadata.name", "unroutable");
  if (meta.deletionTimestamp) return skip("being deleted (metadata.deletionTimestamp is set)", "excluded");
  const label = EXCLUDE_LABELS.find((key) => meta.labels?.[key] !== undefined);
  if (label) return skip(`excluded by label ${label}`, "excluded");
  // Readiness is deliberately not consulted: a briefly unreachable node must keep its route.
  const pod = choosePodCidr(node, context.podCidr);
  if (!pod.ok) return skip(pod.reason, pod.kind);

  const tried: string[] = [];
  const found = (instanceId: string, source: InstanceIdSource): NodeFacts => ({
    name,
    status: "routable",
    podCidr: pod.cidr,
    instanceId,
    source,
  });
  for (const key of INSTANCE_ANNOTATIONS) {
    const value = meta.annotations?.[key];
    if (value === undefined || value === "") continue;
    const id = normaliseInstanceId(value);
    if (id) return found(id, `annotation:${key}`);
    tried.push(`annotation ${key} "${value}" is not a KEC instance id`);
  }
  const providerId = node.spec?.providerID;
  if (providerId) {
    // Bare id, or any scheme form such as ksyun://<region>/<id>: the id is the last path segment.
    const id = normaliseInstanceId(providerId.slice(providerId.lastIndexOf("/") + 1));
    if (id) return found(id, "spec.providerID");
    tried.push(`spec.providerID "${providerId}" does not end in a KEC instance id`);
  }
  const systemUuid = node.status?.nodeInfo?.systemUUID;
  if (systemUuid) {
    const id = systemUuid.trim().toLowerCase();
    if (context.vpcInstanceIds.has(id)) return found(id, "status.nodeInfo.systemUUID");
    tried.push(`status.nodeInfo.systemUUID "${systemUuid}" is not an instance of the VPC`);
  }
  if (tried.length === 0) tried.push("no instance annotation, spec.providerID or status.nodeInfo.systemUUID");
  const internalIp = firstInternalIpv4(node);
  if (internalIp === undefined) {
    return skip(`no KEC instance id: ${tried.join("; ")}; no IPv4 InternalIP to look up`, "trouble");
  }
  return { name, status: "needs-ip-lookup", podCidr: pod.cidr, internalIp, tried };
}

/**
 * The part of a node readNodeFacts reads, as a node of its own: what a watcher needs to keep of each node (its
 * informer cache holds this, not the whole object), and what changes when a node's route may change. An exclusion
 * label counts by its presence only.
 */
export function routingView(node: V1Node): V1Node {
  const meta = node.metadata ?? {};
  const pick = (from: Record<string, string> | undefined, keys: readonly string[], value?: string) => {
    const found = keys.filter((key) => from?.[key] !== undefined);
    return found.length ? Object.fromEntries(found.map((key) => [key, value ?? from![key]!])) : undefined;
  };
  const labels = pick(meta.labels, EXCLUDE_LABELS, "");
  const annotations = pick(meta.annotations, INSTANCE_ANNOTATIONS);
  const spec = node.spec ?? {};
  const systemUUID = node.status?.nodeInfo?.systemUUID;
  const addresses = node.status?.addresses?.filter((a) => a.type === "InternalIP");
  return {
    metadata: {
      ...(meta.name !== undefined && { name: meta.name }),
      ...(meta.uid !== undefined && { uid: meta.uid }),
      ...(meta.deletionTimestamp && { deletionTimestamp: meta.deletionTimestamp }),
      ...(labels && { labels }),
      ...(annotations && { annotations }),
    },
    spec: {
      ...(spec.podCIDR !== undefined && { podCIDR: spec.podCIDR }),
      ...(spec.podCIDRs !== undefined && { podCIDRs: spec.podCIDRs }),
      ...(spec.providerID !== undefined && { providerID: spec.providerID }),
    },
    status: {
      // readNodeFacts reads systemUUID alone of the system info.
      ...(systemUUID !== undefined && { nodeInfo: { systemUUID } as V1NodeSystemInfo }),
      ...(addresses?.length && { addresses }),
    },
  };
}
