// The elector's Lease through CoordinationV1Api: 404 reads as "no Lease", 409 as LeaseConflict.
import { ApiException, CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { LeaseConflict, type LeaseStore } from "./elector.ts";

const status = (error: unknown) => (error instanceof ApiException ? error.code : undefined);

async function conflictAware<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw status(error) === 409 ? new LeaseConflict() : error;
  }
}

export function kubeLeaseStore(kc: KubeConfig, namespace: string, name: string): LeaseStore {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    async get() {
      try {
        return await api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (status(error) === 404) return undefined;
        throw error;
      }
    },
    create: (spec) =>
      conflictAware(api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } })),
    replace: (lease) => conflictAware(api.replaceNamespacedLease({ name, namespace, body: lease })),
  };
}
