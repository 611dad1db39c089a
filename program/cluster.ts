// The Kubernetes edge of the program: which cluster, its live Node list (only what routing reads of each node),
// and its version. On kube/, not @kubernetes/client-node: every run's program process would load that library's
// 2,700 generated models for one list call (kube/client.ts says what it costs).
import type { V1Node } from "@kubernetes/client-node";
import { KubeClient } from "../kube/client.ts";
import { loadKubeTarget } from "../kube/config.ts";
import { listNodes as listAllNodes, serverVersion as version } from "../kube/resources.ts";
import { routingView } from "./node-facts.ts";

/** The configured cluster (ksyun-route:kubeconfig and kubeContext), else KUBECONFIG, ~/.kube/config, in-cluster. */
export function kubeClient(kubeconfig: string | undefined, context: string | undefined): KubeClient {
  return new KubeClient(loadKubeTarget({ ...(kubeconfig && { kubeconfig }), ...(context && { context }) }));
}

/** Every Node, paged, as routing sees it. A failed list throws: an empty list must never stand in for an error. */
export async function listNodes(client: KubeClient): Promise<V1Node[]> {
  try {
    return await listAllNodes(client, (node) => routingView(node as V1Node));
  } catch (error) {
    throw new Error(`listing the cluster's Nodes failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** "major.minor" of the API server, e.g. [1, 34]. */
export function serverVersion(client: KubeClient): Promise<[number, number]> {
  return version(client);
}
