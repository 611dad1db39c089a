import type { ApiRequest } from "./http.ts";
import { compact, optionalNumber, optionalString, records, requiredString } from "./parse.ts";
import { DEFAULT_PAGE_SIZE, filterParams, listParams, scalarParams } from "./query.ts";
import type { Filter } from "./query.ts";
import { isRecord } from "./response.ts";
import type { ApiResponse } from "./response.ts";
import type { DescribeInstancesInput, Instance, InstancePage } from "./types.ts";

function parseInstance(raw: Record<string, unknown>, where: string): Instance {
  return compact({
    instanceId: requiredString(raw, "InstanceId", where),
    instanceName: optionalString(raw, "InstanceName"),
    instanceType: optionalString(raw, "InstanceType"),
    privateIpAddress: optionalString(raw, "PrivateIpAddress"),
    subnetId: optionalString(raw, "SubnetId"),
    instanceState: isRecord(raw.InstanceState) ? optionalString(raw.InstanceState, "Name") : undefined,
    availabilityZone: optionalString(raw, "AvailabilityZone"),
    projectId: optionalString(raw, "ProjectId"),
    hostName: optionalString(raw, "HostName"),
    creationDate: optionalString(raw, "CreationDate"),
    networkInterfaceSet: records(raw, "NetworkInterfaceSet", where).map((nic, i) =>
      compact({
        networkInterfaceId: requiredString(nic, "NetworkInterfaceId", `${where}.NetworkInterfaceSet[${i}]`),
        networkInterfaceType: optionalString(nic, "NetworkInterfaceType"),
        vpcId: optionalString(nic, "VpcId"),
        subnetId: optionalString(nic, "SubnetId"),
        macAddress: optionalString(nic, "MacAddress"),
        privateIpAddress: optionalString(nic, "PrivateIpAddress"),
      }),
    ),
  });
}

export function parseInstancePage(response: ApiResponse): InstancePage {
  return compact({
    instancesSet: records(response, "InstancesSet", "DescribeInstances").map((raw, i) =>
      parseInstance(raw, `InstancesSet[${i}]`),
    ),
    instanceCount: optionalNumber(response, "InstanceCount"),
    marker: optionalNumber(response, "Marker"),
  });
}

export function describeInstancesRequest(input: DescribeInstancesInput): ApiRequest {
  const filters: Filter[] = [
    { name: "vpc-id", values: input.vpcId ? [input.vpcId] : [] },
    { name: "private-ip-address", values: input.privateIpAddresses ?? [] },
    { name: "instance-id", values: input.instanceIds ?? [] },
    ...(input.filters ?? []),
  ];
  return {
    service: "kec",
    action: "DescribeInstances",
    params: {
      ...listParams("ProjectId", input.projectIds),
      ...filterParams(filters),
      ...scalarParams({ MaxResults: input.maxResults, Marker: input.marker }),
    },
  };
}

/**
 * Pages by start offset: Marker advances by the rows received (as Terraform does); stops on a short page
 * or once InstanceCount rows have been seen.
 */
export async function* instancePages(
  describe: (input: DescribeInstancesInput) => Promise<InstancePage>,
  input: DescribeInstancesInput,
): AsyncGenerator<Instance[]> {
  const pageSize = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let marker = input.marker ?? 0;
  for (;;) {
    const page = await describe({ ...input, maxResults: pageSize, marker });
    yield page.instancesSet;
    marker += page.instancesSet.length;
    const total = page.instanceCount ?? Infinity;
    if (page.instancesSet.length < pageSize || marker >= total) return;
  }
}
