// The elector's Lease through the API: absent reads as "no Lease", a 409 as LeaseConflict.
import { KubeConflict, type KubeClient } from "../kube/client.ts";
import { createLease, getLease, replaceLease } from "../kube/resources.ts";
import { LeaseConflict, type LeaseStore } from "./elector.ts";

async function conflictAware<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw error instanceof KubeConflict ? new LeaseConflict() : error;
  }
}

export function kubeLeaseStore(client: KubeClient, namespace: string, name: string): LeaseStore {
  return {
    get: () => getLease(client, namespace, name),
    create: (spec) => conflictAware(createLease(client, namespace, name, spec)),
    replace: (lease) => conflictAware(replaceLease(client, namespace, name, lease)),
  };
}
