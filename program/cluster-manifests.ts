// The cluster-side manifests for a configuration, through a Kubernetes provider for the configured cluster. Loaded
// only by runs that declare manifests: the watcher's routes-only runs never load the Kubernetes SDK.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ProgramConfig } from "./config.ts";
import { declareManifests, type ManifestArgs, type ManifestResources } from "./manifests/index.ts";

/** The manifests of the enabled groups, through a provider for the configured cluster. */
export function declareClusterManifests(
  config: ProgramConfig,
  options: { monitorToken: boolean; secret?: ManifestArgs["secret"] },
): ManifestResources & { provider: k8s.Provider } {
  // A path, not the file's contents: the contents hold credentials the state must not keep.
  const provider = new k8s.Provider("cluster", { kubeconfig: config.kubeconfig, context: config.kubeContext });
  const resources = declareManifests(
    {
      podCidr: config.podCidr,
      vpcCidr: config.vpcCidr ?? "",
      region: config.region,
      vpcId: config.vpcId,
      clusterUuid: config.clusterUuid ?? "",
      monitorToken: options.monitorToken,
      skipAwait: config.skipAwait,
      enable: {
        secret: config.enableSecret,
        cni: config.enableCni,
        masqAgent: config.enableMasqAgent,
        watcher: config.enableWatcher,
      },
      images: {
        cni: config.cniImage,
        masqAgent: config.masqAgentImage,
        watcher: config.watcherImage,
        annotator: config.annotatorImage,
      },
      secret: options.secret,
      ...(config.enableWatcher && { watcher: watcherArgs(config) }),
    },
    { provider },
  );
  return { ...resources, provider };
}

/** The watcher's stack and settings: this stack's settings file, as the CLI read it from the project directory. */
function watcherArgs(config: ProgramConfig) {
  const stack = pulumi.getStack();
  const file = `Pulumi.${stack}.yaml`;
  let stackSettings: string;
  try {
    stackSettings = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(
      `ksyun-route:enableWatcher needs the stack's settings file ${file} in the project directory: ${String(error)}`,
    );
  }
  return { stack, stackSettings, port: config.watcherPort };
}
