// The Kubernetes edge of the program: which cluster, its live Node list, and its version.
import * as k8s from "@kubernetes/client-node";

export function loadKubeConfig(kubeconfig: string | undefined, context: string | undefined): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault(); // KUBECONFIG, ~/.kube/config, then in-cluster
  if (context) kc.setCurrentContext(context);
  if (!kc.getCurrentCluster())
    throw new Error("no Kubernetes cluster configured: set ksyun-route:kubeconfig or KUBECONFIG");
  return kc;
}

const PAGE = 500;

/** Every Node, paged. A failed list throws: an empty list must never stand in for an error. */
export async function listNodes(kc: k8s.KubeConfig): Promise<k8s.V1Node[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const nodes: k8s.V1Node[] = [];
  let _continue: string | undefined;
  do {
    const page = await core.listNode({ limit: PAGE, _continue }).catch((error: unknown) => {
      throw new Error(`listing the cluster's Nodes at ${kc.getCurrentCluster()?.server} failed: ${String(error)}`);
    });
    nodes.push(...page.items);
    _continue = page.metadata?._continue || undefined;
  } while (_continue);
  return nodes;
}

/** "major.minor" of the API server, e.g. [1, 34]. */
export async function serverVersion(kc: k8s.KubeConfig): Promise<[number, number]> {
  const info = await kc.makeApiClient(k8s.VersionApi).getCode();
  return [Number.parseInt(info.major, 10), Number.parseInt(info.minor, 10)];
}
