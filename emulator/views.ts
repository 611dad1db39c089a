/** KSYun wire shapes as kingsoftcloud/sdk-go models them: `RouteSet` items, `VpcSet` items, `InstancesSet` items. */
import { deriveMac, deriveUuid } from "./ids.ts";
import type { Store } from "./store.ts";
import type { Instance, Route, Vpc } from "./types.ts";

/** The fields every public client reads plus `System`; `Description` is not echoed (some zones ignore it). */
export function routeView(route: Route, store: Store): object {
  const instance = route.instanceId === undefined ? undefined : store.instance(route.instanceId);
  return {
    RouteId: route.routeId,
    VpcId: route.vpcId,
    DestinationCidrBlock: route.destinationCidrBlock,
    RouteType: route.routeType,
    CreateTime: route.createTime,
    System: false,
    NextHopSet: [{ GatewayId: route.instanceId ?? route.gatewayId, GatewayName: instance?.instanceName ?? "" }],
  };
}

export function vpcView(vpc: Vpc): object {
  return {
    CreateTime: vpc.createTime,
    VpcId: vpc.vpcId,
    VpcName: vpc.vpcName,
    CidrBlock: vpc.cidrBlock,
    IsDefault: false,
    ...(vpc.productTag === undefined ? {} : { ProductTag: vpc.productTag }),
  };
}

/** No top-level VpcId: it lives on the primary network interface (kingsoftcloud/sdk-go DescribeInstancesResponse). */
export function instanceView(instance: Instance, vpc: Vpc): object {
  const subnetId = deriveUuid("subnet", vpc.vpcId);
  const groupId = deriveUuid("security-group", vpc.vpcId);
  const zone = `${vpc.region}a`;
  return {
    InstanceId: instance.instanceId,
    ProjectId: instance.projectId,
    InstanceName: instance.instanceName,
    HostName: instance.instanceName,
    InstanceType: "S6.2B",
    SubnetId: subnetId,
    PrivateIpAddress: instance.privateIpAddress,
    InstanceState: { Name: instance.state },
    AvailabilityZone: zone,
    AvailabilityZoneName: zone,
    NetworkInterfaceSet: [
      {
        NetworkInterfaceId: deriveUuid("network-interface", instance.instanceId),
        NetworkInterfaceType: "primary",
        VpcId: vpc.vpcId,
        SubnetId: subnetId,
        MacAddress: deriveMac(instance.instanceId),
        PrivateIpAddress: instance.privateIpAddress,
        GroupSet: [{ GroupId: groupId }],
        SecurityGroupSet: [{ SecurityGroupId: groupId }],
      },
    ],
  };
}
