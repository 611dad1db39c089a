// The public API: `VpcRoute`, a KSYun VPC host route as a Pulumi dynamic resource.
import * as pulumi from "@pulumi/pulumi";
import { VPC_ROUTE_TYPE } from "./resource-type.ts";

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

/**
 * The `__provider` every VpcRoute carries in the state (in its inputs and its outputs): the CommonJS module Pulumi's
 * dynamic-provider host loads and asks for the provider. Written here rather than by Pulumi's closure serializer:
 * 76 bytes instead of 2,121 (three quarters of each route's state, rewritten at every checkpoint), the same text
 * whatever the SDK version, and declaring a route loads neither the serializer nor the TypeScript compiler it uses.
 * It captures nothing, so no credential can reach the state, and it loads the implementation by package name, so
 * read and delete of old resources always run the current code. A stack made before it holds the serialized shim,
 * which requires the same module; diff ignores `__provider`, so such a stack sees no change.
 */
export const PROVIDER_TEXT = 'exports.handler = () => require("@ksyun-route/provider/runtime").provider;';

/** A KSYun VPC host route: destination CIDR → KEC instance. Create adopts an identical existing route. */
export class VpcRoute extends pulumi.CustomResource {
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
      VPC_ROUTE_TYPE,
      name,
      {
        ...args,
        routeTableId: undefined,
        routeId: undefined,
        nextHop: undefined,
        createTime: undefined,
        adopted: undefined,
        __provider: PROVIDER_TEXT,
      },
      { deleteBeforeReplace: true, ...opts },
    );
  }
}
