/** Domain records as they live in the emulator's store, the seed file and the state file. */

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  securityToken?: string;
}

export interface Vpc {
  vpcId: string;
  cidrBlock: string;
  region: string;
  productTag?: string;
  vpcName: string;
  createTime: string;
}

export interface Instance {
  instanceId: string;
  vpcId: string;
  privateIpAddress: string;
  state: string;
  instanceName: string;
  projectId: number;
}

export const ROUTE_TYPES = ["InternetGateway", "Tunnel", "Host", "Peering", "DirectConnect", "Vpn"] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];

/** Host routes carry `instanceId`; every other type carries `gatewayId` (tunnel, peering, … id). */
export interface Route {
  routeId: string;
  vpcId: string;
  destinationCidrBlock: string;
  routeType: RouteType;
  instanceId?: string;
  gatewayId?: string;
  createTime: string;
}

/** What a state file holds: everything an API call or the control API can change. */
export interface Snapshot {
  instances: Instance[];
  routes: Route[];
}

export interface Seed extends Snapshot {
  credentials: Credential[];
  vpcs: Vpc[];
  routeQuota: number;
  qps?: number;
}
