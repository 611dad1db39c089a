// The few API calls the watcher and the program make, as thin typed functions over KubeClient. The types are the
// wire format (timestamps are strings), with only the fields these callers use.
import { KubeApiError, type KubeClient } from "./client.ts";

interface ObjectMeta {
  name?: string;
  namespace?: string;
  generateName?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime: see microTime(). */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: LeaseSpec;
}

export interface ConfigMap {
  metadata?: ObjectMeta;
  data?: Record<string, string>;
}

/** A core/v1 Event, as kubelet and controllers write them. */
export interface KubeEvent {
  metadata: ObjectMeta;
  involvedObject: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
  /** RFC 3339 (Date.toISOString()). */
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
}

/** A MicroTime (Lease times): RFC 3339 with exactly six fractional digits, which the API server requires. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, "000Z");
}

/** Every Node, paged, each trimmed as its page arrives. A failed list throws: never an empty list for an error. */
export async function listNodes<T>(client: KubeClient, trim: (node: object) => T): Promise<T[]> {
  return (await client.listAll("/api/v1/nodes", { map: trim })).items;
}

/** "major.minor" of the API server, e.g. [1, 34] (minor may read "34+" on some distributions). */
export async function serverVersion(client: KubeClient): Promise<[number, number]> {
  const info = await client.request<{ major: string; minor: string }>("GET", "/version");
  return [Number.parseInt(info.major, 10), Number.parseInt(info.minor, 10)];
}

/** A strategic merge patch of the status subresource: conditions merge by type, leaving the others alone. */
export async function patchNodeStatus(client: KubeClient, name: string, patch: object): Promise<void> {
  await client.request("PATCH", `/api/v1/nodes/${encodeURIComponent(name)}/status`, {
    body: patch,
    contentType: "application/strategic-merge-patch+json",
  });
}

export async function createEvent(client: KubeClient, namespace: string, event: KubeEvent): Promise<void> {
  await client.request("POST", `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, { body: event });
}

const leases = (namespace: string) => `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
const configMaps = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;

/** undefined for 404. */
async function found<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

export function getLease(client: KubeClient, namespace: string, name: string): Promise<Lease | undefined> {
  return found(client.request<Lease>("GET", `${leases(namespace)}/${encodeURIComponent(name)}`));
}

/** Throws KubeConflict if the Lease exists. */
export function createLease(client: KubeClient, namespace: string, name: string, spec: LeaseSpec): Promise<Lease> {
  return client.request<Lease>("POST", leases(namespace), { body: { metadata: { name, namespace }, spec } });
}

/** Throws KubeConflict if `lease.metadata.resourceVersion` is no longer the current one. */
export function replaceLease(client: KubeClient, namespace: string, name: string, lease: Lease): Promise<Lease> {
  return client.request<Lease>("PUT", `${leases(namespace)}/${encodeURIComponent(name)}`, { body: lease });
}

export function getConfigMap(client: KubeClient, namespace: string, name: string): Promise<ConfigMap | undefined> {
  return found(client.request<ConfigMap>("GET", `${configMaps(namespace)}/${encodeURIComponent(name)}`));
}

/** Throws KubeConflict if the ConfigMap exists. */
export function createConfigMap(
  client: KubeClient,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<ConfigMap> {
  return client.request<ConfigMap>("POST", configMaps(namespace), { body: { metadata: { name, namespace }, data } });
}

/** A JSON merge patch of `data`: a key set to null is removed, keys not named are kept. */
export function patchConfigMap(
  client: KubeClient,
  namespace: string,
  name: string,
  data: Record<string, string | null>,
): Promise<ConfigMap> {
  return client.request<ConfigMap>("PATCH", `${configMaps(namespace)}/${encodeURIComponent(name)}`, {
    body: { data },
    contentType: "application/merge-patch+json",
  });
}
