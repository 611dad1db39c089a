import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

// Reports the Node version of the dynamic-provider process; captures nothing.
const versionProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: `smoke-${inputs.name}`, outs: { ...inputs, providerNodeVersion: process.version } };
  },
};

class VersionProbe extends pulumi.dynamic.Resource {
  declare readonly providerNodeVersion: pulumi.Output<string>;
  constructor(name: string) {
    super(versionProvider, name, { name, providerNodeVersion: undefined });
  }
}

const probe = new VersionProbe("probe");

const config = new k8s.core.v1.ConfigMap("smoke", {
  // No garbage collector runs beside the test API server: a foreground delete would never finish.
  metadata: {
    name: "ksyun-route-smoke",
    namespace: "default",
    annotations: { "pulumi.com/deletionPropagationPolicy": "background" },
  },
  data: { hello: "world" },
});

export const programNodeVersion = process.version;
export const providerNodeVersion = probe.providerNodeVersion;
export const configMapName = config.metadata.name;
