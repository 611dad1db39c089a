// How the program names what it makes: the route resources (their URNs must stay stable across releases, or an
// upgrade would replace every route) and the description each new route carries in KSYun.
import { createHash } from "node:crypto";

const MAX_RESOURCE_NAME = 128;

/**
 * Stable per node, so Pulumi keeps one resource per node across runs. Node names (DNS subdomains, ≤ 253
 * characters) are valid resource names; beyond 128 characters (readable URNs, not a hard Pulumi limit) the name is
 * cut and a hash of the full node name keeps it unique.
 */
export function routeResourceName(nodeName: string): string {
  const name = `route-${nodeName}`;
  if (name.length <= MAX_RESOURCE_NAME) return name;
  const hash = createHash("sha256").update(nodeName).digest("hex").slice(0, 10);
  return `${name.slice(0, MAX_RESOURCE_NAME - hash.length - 1)}-${hash}`;
}

const MAX_DESCRIPTION = 128;

/** `ksyun-route <clusterUuid> node <name>`: what `npm run status` recognises as this cluster's route. */
export function routeDescription(clusterUuid: string | undefined, nodeName: string): string {
  return `ksyun-route${clusterUuid ? ` ${clusterUuid}` : ""} node ${nodeName}`.slice(0, MAX_DESCRIPTION);
}

/**
 * The node a route was made for by this cluster, read back from its description; undefined unless the cluster has
 * a clusterUuid (without one, clusters sharing the VPC describe their routes alike) and the description is whole.
 */
export function describedNode(clusterUuid: string | undefined, description: string | undefined): string | undefined {
  if (!clusterUuid || !description || description.length >= MAX_DESCRIPTION) return undefined;
  const prefix = routeDescription(clusterUuid, "");
  const node = description.startsWith(prefix) ? description.slice(prefix.length) : "";
  return node === "" ? undefined : node;
}
