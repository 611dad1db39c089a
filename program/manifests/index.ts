// The cluster-side objects the original shipped as hand-edited YAML (deploy/calico_secret_aksk.yaml),
// each group switchable, in least-privilege form.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { CalicoCni } from "./calico.ts";
import { AKSK_SECRET_NAME, DEFAULT_NAMESPACE, skipAwaitTransformation } from "./common.ts";
import { IpMasqAgent } from "./masq-agent.ts";
import { AkskSecret } from "./secret.ts";
import type { SecretArgs } from "./secret.ts";
import { DEFAULT_BACKEND_SECRET, RouteWatcher } from "./watcher.ts";

export { AKSK_MOUNT_PATH, AKSK_SECRET_NAME, DEFAULT_NAMESPACE } from "./common.ts";
export type { Rule } from "./common.ts";
export { DEFAULT_BACKEND_SECRET, WATCHER_NAME, watcherClusterRules, watcherNamespaceRules } from "./watcher.ts";
export type { SecretArgs };
export { AkskSecret, CalicoCni, IpMasqAgent, RouteWatcher };

export interface ManifestArgs {
  readonly namespace?: "kube-system";
  readonly podCidr: string;
  readonly vpcCidr: string;
  readonly region: string;
  readonly vpcId: string;
  readonly clusterUuid: string;
  readonly monitorToken: boolean;
  readonly skipAwait: boolean;
  readonly enable: {
    readonly secret: boolean;
    readonly cni: boolean;
    readonly masqAgent: boolean;
    readonly watcher: boolean;
  };
  readonly images: {
    readonly cni: string;
    readonly masqAgent: string;
    readonly watcher?: string;
    readonly annotator?: string;
  };
  /** Required when enable.secret. */
  readonly secret?: SecretArgs;
  /** Required when enable.watcher; backendSecret defaults to ksyun-route-watcher-backend. */
  readonly watcher?: {
    readonly stack: string;
    readonly stackSettings: string;
    readonly port: number;
    readonly backendSecret?: string;
  };
}

/** The enabled groups, each one component. */
export interface ManifestResources {
  readonly secret?: AkskSecret;
  readonly cni?: CalicoCni;
  readonly masqAgent?: IpMasqAgent;
  readonly watcher?: RouteWatcher;
}

export function declareManifests(args: ManifestArgs, opts: { provider: k8s.Provider }): ManifestResources {
  const namespace = args.namespace ?? DEFAULT_NAMESPACE;
  const resourceOpts: pulumi.CustomResourceOptions = {
    provider: opts.provider,
    ...(args.skipAwait && { transformations: [skipAwaitTransformation] }),
  };
  const { enable, images } = args;

  let secret: AkskSecret | undefined;
  if (enable.secret) {
    if (!args.secret) throw new Error("manifests: enableSecret needs the access key id and secret access key");
    const { region, vpcId, clusterUuid } = args;
    secret = new AkskSecret(namespace, args.secret, { region, vpcId, clusterUuid }, resourceOpts);
  }

  const cni = enable.cni
    ? new CalicoCni(
        {
          namespace,
          image: images.cni,
          ...(images.annotator && { annotatorImage: images.annotator }),
          monitorToken: args.monitorToken,
        },
        resourceOpts,
      )
    : undefined;

  const masqAgent = enable.masqAgent
    ? new IpMasqAgent(
        {
          namespace,
          image: images.masqAgent,
          podCidr: args.podCidr,
          vpcCidr: args.vpcCidr,
        },
        resourceOpts,
      )
    : undefined;

  let watcher: RouteWatcher | undefined;
  if (enable.watcher) {
    if (!images.watcher || !args.watcher?.stack) {
      throw new Error("manifests: enableWatcher needs watcherImage and the stack name");
    }
    watcher = new RouteWatcher(
      {
        namespace,
        image: images.watcher,
        stack: args.watcher.stack,
        stackSettings: args.watcher.stackSettings,
        port: args.watcher.port,
        backendSecret: args.watcher.backendSecret ?? DEFAULT_BACKEND_SECRET,
        akskSecretName: secret?.secret.metadata.name ?? AKSK_SECRET_NAME,
      },
      resourceOpts,
    );
  }

  return {
    ...(secret && { secret }),
    ...(cni && { cni }),
    ...(masqAgent && { masqAgent }),
    ...(watcher && { watcher }),
  };
}
