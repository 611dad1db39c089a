// The AK/SK Secret in the layout of the original's aksk file provider: files ak, sk, and cipher
// when the SK is encrypted (any non-empty cipher other than "none" makes it decrypt).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AKSK_SECRET_NAME, componentType, inComponent, metadata } from "./common.ts";

export interface SecretArgs {
  readonly ak: pulumi.Input<string>;
  readonly sk: pulumi.Input<string>;
  /** Set only when `sk` holds the encrypted form. */
  readonly cipher?: "aes256+base64";
  /** STS token; an empty value leaves the key out. */
  readonly securityToken?: pulumi.Input<string>;
}

export interface SecretTrace {
  readonly region: string;
  readonly vpcId: string;
  readonly clusterUuid: string;
}

/** The Secret's stringData, secret even when the inputs were plain strings. */
export function secretStringData(args: SecretArgs): pulumi.Output<Record<string, string>> {
  return pulumi.secret(
    pulumi
      .all([args.ak, args.sk, args.securityToken ?? ""])
      .apply(([ak, sk, securityToken]): Record<string, string> => {
        return {
          ak,
          sk,
          ...(args.cipher && { cipher: args.cipher }),
          ...(securityToken.trim() !== "" && { securityToken }),
        };
      }),
  );
}

/** The kce-security-token Secret as a component (so a stack's manifests group under one URN each). */
export class AkskSecret extends pulumi.ComponentResource {
  readonly secret: k8s.core.v1.Secret;

  constructor(namespace: string, args: SecretArgs, trace: SecretTrace, opts: pulumi.CustomResourceOptions) {
    super(componentType("AkskSecret"), AKSK_SECRET_NAME, {}, {});
    this.secret = declareSecret(namespace, args, trace, inComponent(this, opts));
    this.registerOutputs({ name: this.secret.metadata.name });
  }
}

function declareSecret(
  namespace: string,
  args: SecretArgs,
  trace: SecretTrace,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  // Non-secret identifiers only, so an operator can tell which VPC and cluster the keys serve.
  const annotations: Record<string, string> = {
    "ksyun-route/region": trace.region,
    "ksyun-route/vpc-id": trace.vpcId,
    ...(trace.clusterUuid !== "" && { "ksyun-route/cluster-uuid": trace.clusterUuid }),
  };
  return new k8s.core.v1.Secret(
    AKSK_SECRET_NAME,
    {
      metadata: metadata(AKSK_SECRET_NAME, namespace, AKSK_SECRET_NAME, annotations),
      type: "Opaque",
      stringData: secretStringData(args),
    },
    { ...opts, additionalSecretOutputs: ["data", "stringData"] },
  );
}
