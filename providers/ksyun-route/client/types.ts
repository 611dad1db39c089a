import type { Filter } from "./query.ts";

// kingsoftcloud/sdk-go's wire names in camelCase: NextHopSet → nextHopSet, InstancesSet → instancesSet.

type NextHop = {
  /** For Host routes, the next-hop KEC instance id. */
  gatewayId: string;
  gatewayName?: string;
  networkInterfaceId?: string;
  mac?: string;
};

export type Route = {
  routeId: string;
  vpcId: string;
  destinationCidrBlock: string;
  routeType: string;
  nextHopSet: NextHop[];
  createTime?: string;
  system?: boolean;
  description?: string;
  routeTableId?: string;
  status?: string;
  routeEntryType?: string;
  routePublishStatus?: string;
};

export type Vpc = {
  vpcId: string;
  vpcName?: string;
  cidrBlock?: string;
  isDefault?: boolean;
  createTime?: string;
  /** `trust` marks a trust VPC, whose routes need CreateTrustRoute/DeleteTrustRoute. */
  productTag?: string;
};

type InstanceNetworkInterface = {
  networkInterfaceId: string;
  networkInterfaceType?: string;
  vpcId?: string;
  subnetId?: string;
  macAddress?: string;
  privateIpAddress?: string;
};

export type Instance = {
  instanceId: string;
  instanceName?: string;
  instanceType?: string;
  /** Primary private IP. */
  privateIpAddress?: string;
  subnetId?: string;
  /** `InstanceState.Name`: active, stopped, error, … */
  instanceState?: string;
  availabilityZone?: string;
  projectId?: string;
  hostName?: string;
  creationDate?: string;
  networkInterfaceSet: InstanceNetworkInterface[];
};

export type CreateRouteInput = {
  vpcId: string;
  destinationCidrBlock: string;
  /** Next-hop KEC instance; the route type is always Host. */
  instanceId: string;
  description?: string;
  /** Some zones ignore Description and RouteTableId (kingsoftcloud/sdk-python's CreateRoute docs). */
  routeTableId?: string;
};

export type CreateRouteResult = {
  routeId: string;
  /** True when an ambiguous CreateRoute failure was resolved by finding the route with DescribeRoutes. */
  recovered: boolean;
};

export type DeleteRouteInput = {
  /** Needed to pick DeleteRoute or DeleteTrustRoute. */
  vpcId: string;
  routeId: string;
};

export type DescribeRoutesInput = {
  /** Becomes filter `vpc-id` and selects the trust header for trust VPCs. */
  vpcId?: string;
  routeIds?: readonly string[];
  /** e.g. `route-type`, `destination-cidr-block`, `instance-id`. */
  filters?: readonly Filter[];
  /** Without it the server returns every match in one page. */
  maxResults?: number;
  nextToken?: string;
};

export type RoutePage = { routes: Route[]; nextToken?: string };

export type DescribeVpcsInput = {
  vpcIds?: readonly string[];
  filters?: readonly Filter[];
  maxResults?: number;
  nextToken?: string;
};

export type VpcPage = { vpcs: Vpc[]; nextToken?: string };

export type DescribeInstancesInput = {
  /** Filter `vpc-id`. */
  vpcId?: string;
  /** Filter `private-ip-address`. */
  privateIpAddresses?: readonly string[];
  /** Filter `instance-id`. */
  instanceIds?: readonly string[];
  /** `ProjectId.N`; without it KSYun searches only project 0. */
  projectIds?: readonly string[];
  filters?: readonly Filter[];
  /** 5–1000. */
  maxResults?: number;
  /** Start offset, 0-based. */
  marker?: number;
};

export type InstancePage = {
  instancesSet: Instance[];
  /** Total number of matches. */
  instanceCount?: number;
  marker?: number;
};
