// The route provider's implementation, loaded by the serialized shim (index.ts) inside Pulumi's
// dynamic-provider process. One module instance per process: settings, client and route listings are shared
// by every resource the process handles.
import type * as pulumi from "@pulumi/pulumi";
import { isKsyunApiError, type KsyunClient, type Route } from "./client/index.ts";
import { checkInputs, routeInputs, UNKNOWN, type RouteInputs } from "./inputs.ts";
import { RouteStore } from "./route-store.ts";
import { clientFromSettings, NAMESPACE, readSettings, type ProviderSettings } from "./settings.ts";

type Props = Record<string, unknown>;

let settings: ProviderSettings | undefined;
let client: KsyunClient | undefined;
let store: RouteStore | undefined;

/** Called once per process with the stack config; must not await before storing (calls may race it). */
export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  settings = readSettings((key) => req.config.get(`${NAMESPACE}:${key}`));
  client?.close();
  client = undefined;
  store = undefined;
}

function api(): { client: KsyunClient; store: RouteStore } {
  if (!client || !store) {
    settings ??= readSettings(() => undefined);
    const created = clientFromSettings(settings);
    client = created;
    store = new RouteStore((vpcId) => created.listVpcRoutes(vpcId));
  }
  return { client, store };
}

export function nextHopOf(route: Route): string | undefined {
  return route.nextHopSet[0]?.gatewayId;
}

function isHostRouteTo(route: Route, instanceId: string): boolean {
  return route.routeType === "Host" && nextHopOf(route) === instanceId;
}

/** Outputs without undefined values, which the engine's protobuf Struct cannot carry. */
function outputs(inputs: RouteInputs, route: Route, adopted: boolean): Props {
  const outs: Props = {
    vpcId: route.vpcId || inputs.vpcId,
    destinationCidrBlock: route.destinationCidrBlock,
    instanceId: nextHopOf(route) ?? inputs.instanceId,
    description: inputs.description,
    routeTableId: route.routeTableId ?? inputs.routeTableId,
    replaceConflicting: inputs.replaceConflicting,
    routeId: route.routeId,
    nextHop: nextHopOf(route),
    createTime: route.createTime,
    adopted,
  };
  return Object.fromEntries(Object.entries(outs).filter(([, value]) => value !== undefined));
}

// A listing pages by row offset (KSYun's NextToken), so routes created or deleted while it pages shift rows past
// it: a route missing from a listing may well exist. Before acting on an absence, ask KSYun with a query that
// fits one page.
async function routeById(client: KsyunClient, vpcId: string, routeId: string): Promise<Route | undefined> {
  return (await client.describeRoutes({ vpcId, routeIds: [routeId] })).routes[0];
}

async function routeToDestination(client: KsyunClient, vpcId: string, destination: string): Promise<Route | undefined> {
  return (await client.listVpcRoutes(vpcId, [{ name: "destination-cidr-block", values: [destination] }]))[0];
}

function conflict(inputs: RouteInputs, route: Route): Error {
  return new Error(
    `destination ${inputs.destinationCidrBlock} in VPC ${inputs.vpcId} is already routed by ${route.routeId} ` +
      `(${route.routeType}, next hop ${nextHopOf(route) ?? "none"}), not to ${inputs.instanceId}; remove that route, ` +
      `or set ${NAMESPACE}:replaceConflictingRoutes true to replace it`,
  );
}

export async function check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  return { inputs: news, failures: checkInputs(news) };
}

const REPLACING = ["vpcId", "destinationCidrBlock", "instanceId", "routeTableId"] as const;

/** Compares desired inputs with the live outputs, so drift found by a refresh shows up as a change. */
export async function diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  const live = (key: (typeof REPLACING)[number]) =>
    key === "instanceId" ? (olds.nextHop ?? olds.instanceId) : olds[key];
  const replaces = REPLACING.filter((key) => {
    const wanted = news[key] === "" ? undefined : news[key];
    if (key === "routeTableId" && wanted === undefined) return false; // not chosen: KSYun's default table
    return wanted === UNKNOWN || wanted !== live(key);
  });
  const changes =
    replaces.length > 0 ||
    (olds.description ?? "") !== (news.description ?? "") ||
    (olds.replaceConflicting === true) !== (news.replaceConflicting === true) ||
    olds.__provider !== news.__provider;
  return { changes, replaces, deleteBeforeReplace: true };
}

/** Idempotent: adopts an identical existing host route; repairs a create interrupted after the API call. */
export async function create(props: Props): Promise<pulumi.dynamic.CreateResult> {
  const inputs = routeInputs(props);
  const { client, store } = api();
  const existing = (await store.listing(inputs.vpcId)).byDestination.get(inputs.destinationCidrBlock);
  if (existing && isHostRouteTo(existing, inputs.instanceId)) {
    return { id: existing.routeId, outs: outputs(inputs, existing, true) };
  }
  if (existing) {
    if (!inputs.replaceConflicting) throw conflict(inputs, existing);
    await deleteRoute(client, inputs.vpcId, existing.routeId);
    await store.removed(inputs.vpcId, existing.routeId);
  }
  try {
    const { routeId } = await client.createRoute({
      vpcId: inputs.vpcId,
      destinationCidrBlock: inputs.destinationCidrBlock,
      instanceId: inputs.instanceId,
      ...(inputs.description ? { description: inputs.description } : {}),
    });
    const route: Route = {
      routeId,
      vpcId: inputs.vpcId,
      destinationCidrBlock: inputs.destinationCidrBlock,
      routeType: "Host",
      nextHopSet: [{ gatewayId: inputs.instanceId }],
    };
    await store.added(route);
    return { id: routeId, outs: outputs(inputs, route, false) };
  } catch (error) {
    // The destination exists after all (made since our listing, or paged past it): adopt it if it is ours in
    // all but id.
    if (!isKsyunApiError(error) || error.kind !== "duplicate-destination") throw error;
    const now = await routeToDestination(client, inputs.vpcId, inputs.destinationCidrBlock);
    if (now && isHostRouteTo(now, inputs.instanceId)) {
      await store.added(now);
      return { id: now.routeId, outs: outputs(inputs, now, true) };
    }
    throw now ? conflict(inputs, now) : error;
  }
}

/** Live state from the VPC's (shared) listing; a route gone out of band returns no id, so Pulumi drops it. */
export async function read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  const inputs = routeInputs(props);
  const { client, store } = api();
  const route = (await store.listing(inputs.vpcId)).byId.get(id) ?? (await routeById(client, inputs.vpcId, id));
  if (!route) return {};
  const outs = { ...outputs(inputs, route, props.adopted === true) };
  const { routeId: _r, nextHop: _n, createTime: _c, adopted: _a, ...liveInputs } = outs;
  return { id, props: outs, inputs: liveInputs };
}

/** Only non-replacing fields change in place (description, options, provider code): no KSYun call. */
export async function update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: { ...olds, description: news.description, replaceConflicting: news.replaceConflicting === true } };
}

/** A route already gone counts as deleted; a VPC that cannot be found (wrong region?) does not. */
async function deleteRoute(client: KsyunClient, vpcId: string, routeId: string): Promise<void> {
  try {
    await client.deleteRoute({ vpcId, routeId });
  } catch (error) {
    if (!isKsyunApiError(error) || error.kind !== "not-found" || !error.action.startsWith("Delete")) throw error;
  }
}

/** Deletes by the RouteId in state only (one we created or adopted); already gone counts as done. */
export async function remove(id: string, props: Props): Promise<void> {
  const vpcId = routeInputs(props).vpcId;
  const { client, store } = api();
  await deleteRoute(client, vpcId, id);
  await store.removed(vpcId, id);
}
