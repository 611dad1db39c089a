import * as pulumi from "@pulumi/pulumi";
import { VpcRoute } from "@ksyun-route/provider";

const config = new pulumi.Config("fixture");
const vpcId = config.require("vpcId");
const instances = config.require("instances").split(",");
const count = config.requireNumber("count");

// Stands in for a provider version older than this one: another serialized text, no `diff`, fewer outputs.
/* eslint-disable @typescript-eslint/no-require-imports */
const olderShim: pulumi.dynamic.ResourceProvider = {
  configure: (req) => require("@ksyun-route/provider/runtime").configure(req),
  create: (inputs) => require("@ksyun-route/provider/runtime").create(inputs),
  read: (id, props) => require("@ksyun-route/provider/runtime").read(id, props),
  delete: (id, props) => require("@ksyun-route/provider/runtime").remove(id, props),
};
/* eslint-enable @typescript-eslint/no-require-imports */
class OlderVpcRoute extends pulumi.dynamic.Resource {}

export const cidrs: string[] = [];
for (let i = 0; i < count; i++) {
  const args = {
    vpcId,
    destinationCidrBlock: `10.${128 + (i >> 8)}.${i & 255}.0/24`,
    instanceId: instances[i % instances.length]!,
    description: `e2e route ${i}`,
  };
  cidrs.push(args.destinationCidrBlock);
  if (config.get("providerVersion") === "older") {
    const props = { ...args, routeId: undefined };
    new OlderVpcRoute(olderShim, `route-${i}`, props, { deleteBeforeReplace: true }, "ksyun", "VpcRoute");
  } else {
    new VpcRoute(`route-${i}`, args);
  }
}
