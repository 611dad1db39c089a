import type { Action } from "./action.ts";
import { visibleVpc } from "./action.ts";
import { invalidValue } from "./errors.ts";
import { isUuid } from "./ids.ts";
import { markerWindow, pageOf } from "./paging.ts";
import { indexedList, matches, parseFilters } from "./params.ts";
import type { Instance } from "./types.ts";
import { instanceView } from "./views.ts";

const INSTANCE_FILTERS = ["instance-id", "vpc-id", "private-ip-address", "instance-state.name", "instance-name"];

/** `InstanceId.N`: at most 100 UUIDs (kingsoftcloud/sdk-python's DescribeInstances model). */
function instanceIds(params: ReadonlyMap<string, string>): string[] {
  const ids = indexedList(params, "InstanceId");
  if (ids.length > 100) throw invalidValue("InstanceId.N", String(ids.length), "at most 100 instance ids");
  for (const id of ids) if (!isUuid(id)) throw invalidValue("InstanceId.N", id, "expected an instance UUID");
  return ids;
}

/** Without `ProjectId.N` KSYun searches project 0 only (kingsoftcloud/sdk-python), a pitfall the emulator keeps. */
function projectIds(params: ReadonlyMap<string, string>): number[] {
  const ids = indexedList(params, "ProjectId");
  for (const id of ids) if (!/^(0|[1-9]\d*)$/.test(id)) throw invalidValue("ProjectId.N", id, "expected an integer");
  return ids.length === 0 ? [0] : ids.map(Number);
}

const describeInstances: Action = (ctx) => {
  const { params, store, caller } = ctx;
  const ids = instanceIds(params);
  const projects = projectIds(params);
  const filters = parseFilters(params, INSTANCE_FILTERS);
  const window = markerWindow(params);
  const compute = (): Instance[] =>
    store
      .instances()
      .filter(
        (instance) =>
          visibleVpc(ctx, instance.vpcId) !== undefined &&
          projects.includes(instance.projectId) &&
          (ids.length === 0 || ids.includes(instance.instanceId)) &&
          matches(filters, "instance-id", instance.instanceId) &&
          matches(filters, "vpc-id", instance.vpcId) &&
          matches(filters, "private-ip-address", instance.privateIpAddress) &&
          matches(filters, "instance-state.name", instance.state) &&
          matches(filters, "instance-name", instance.instanceName),
      );
  return () => {
    const key = JSON.stringify([caller.region, ids, projects, filters]);
    const rows = ctx.caches.instances.rows(key, store.version, compute);
    const page = pageOf(rows, window);
    return {
      // Marker = offset of the next row, InstanceCount = all matches.
      Marker: window.offset + page.items.length,
      InstanceCount: rows.length,
      InstancesSet: page.items.flatMap((instance) => {
        const vpc = store.vpc(instance.vpcId);
        return vpc === undefined ? [] : [instanceView(instance, vpc)];
      }),
    };
  };
};

export const KEC_ACTIONS: ReadonlyMap<string, Action> = new Map([["DescribeInstances", describeInstances]]);
