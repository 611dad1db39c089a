// The public API: `VpcRoute`, a KSYun VPC host route as a Pulumi dynamic resource.
import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_MODULE, RESOURCE_TYPE } from "./resource-type.ts";

export interface VpcRouteArgs {
  /** The VPC that holds the route. */
  vpcId: pulumi.Input<string>;
  /** Canonical IPv4 network CIDR, e.g. a node's pod CIDR. */
  destinationCidrBlock: pulumi.Input<string>;
  /** The next hop: a KEC instance in the VPC. */
  instanceId: pulumi.Input<string>;
  /**
   * Written at creation only: KSYun cannot modify a route, and a description is not worth an outage, so a new one
   * is no change. The route goes to the VPC's default route table (a RouteTableId is ignored by some zones,
   * kingsoftcloud/sdk-python's CreateRoute docs say), as the original controller's did.
   */
  description?: pulumi.Input<string>;
  /** When the destination already routes to another next hop: delete that route instead of failing. */
  replaceConflicting?: pulumi.Input<boolean>;
}

// The serialized provider stored in the state is this shim alone: it captures nothing (so no credential can
// leak into the state) and loads the implementation by package name at run time, so delete and refresh of
// old resources always run the current code. Each method is an arrow function over `require` only: the
// serialized text runs as CommonJS, where `require` resolves from the project directory.
/* eslint-disable @typescript-eslint/no-require-imports */
const shim: pulumi.dynamic.ResourceProvider = {
  configure: (req) => require("@ksyun-route/provider/runtime").configure(req),
  check: (olds, news) => require("@ksyun-route/provider/runtime").check(olds, news),
  diff: (id, olds, news) => require("@ksyun-route/provider/runtime").diff(id, olds, news),
  create: (inputs) => require("@ksyun-route/provider/runtime").create(inputs),
  read: (id, props) => require("@ksyun-route/provider/runtime").read(id, props),
  update: (id, olds, news) => require("@ksyun-route/provider/runtime").update(id, olds, news),
  delete: (id, props) => require("@ksyun-route/provider/runtime").remove(id, props),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** A KSYun VPC host route: destination CIDR → KEC instance. Create adopts an identical existing route. */
export class VpcRoute extends pulumi.dynamic.Resource {
  declare readonly vpcId: pulumi.Output<string>;
  declare readonly destinationCidrBlock: pulumi.Output<string>;
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  /** The route table KSYun put the route in, as it reports it. */
  declare readonly routeTableId: pulumi.Output<string | undefined>;
  /** KSYun's RouteId. */
  declare readonly routeId: pulumi.Output<string>;
  /** The live next-hop instance id. */
  declare readonly nextHop: pulumi.Output<string>;
  declare readonly createTime: pulumi.Output<string | undefined>;
  /** True when the route existed before, or a create cut short had made it, and it was adopted rather than created. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: VpcRouteArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shim,
      name,
      {
        ...args,
        routeTableId: undefined,
        routeId: undefined,
        nextHop: undefined,
        createTime: undefined,
        adopted: undefined,
      },
      { deleteBeforeReplace: true, ...opts },
      RESOURCE_MODULE,
      RESOURCE_TYPE,
    );
  }
}
