// The leader-election identity, as cloud-controller-manager makes it: `<host name>_<unique part>`. A pod on the host
// network has its node's host name, which is what a Pulumi lock names, not the pod's; carrying the host in the
// identity lets the next leader know a lock its predecessor left behind (locks.ts). Host names have no "_".

/** `host` alone when the pod name is absent or is the host name (a pod on the pod network), else `host_pod`. */
export function leaderIdentity(hostname: string, podName: string | undefined): string {
  return podName === undefined || podName === hostname ? hostname : `${hostname}_${podName}`;
}

/** The host part of an identity; an identity given by --identity without "_" is taken as a host name. */
export function hostOfIdentity(identity: string): string {
  return identity.split("_", 1)[0]!;
}
