import { readFileSync } from "node:fs";
import { isNetworkCidr, parseIpv4 } from "./cidr.ts";
import { deriveUuid, formatCreateTime, isRegion, isUuid } from "./ids.ts";
import { Store } from "./store.ts";
import { ROUTE_TYPES } from "./types.ts";
import type { Credential, Instance, Route, RouteType, Seed, Snapshot, Vpc } from "./types.ts";
import type { Check } from "./validate.ts";
import { ValidationError, array, object, optionalNumber, optionalText, text } from "./validate.ts";

const DEFAULT_ROUTE_QUOTA = 200;

const UUID: Check = { test: isUuid, expected: "a lowercase UUID" };
const NETWORK_CIDR: Check = { test: isNetworkCidr, expected: "a network CIDR such as 10.0.0.0/16" };
const IPV4: Check = { test: (value) => parseIpv4(value) !== undefined, expected: "an IPv4 address" };
const REGION: Check = { test: isRegion, expected: "a region such as cn-beijing-6" };
const ROUTE_TYPE: Check = {
  test: (value) => (ROUTE_TYPES as readonly string[]).includes(value),
  expected: `one of ${ROUTE_TYPES.join(", ")}`,
};

export function readSeedFile(path: string): Seed {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ValidationError(`seed file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseSeed(raw);
}

export function parseSeed(raw: unknown): Seed {
  const path = "seed";
  const seed = object(raw, path, ["credentials", "vpcs", "instances", "routes", "routeQuota", "qps"]);
  const credentials = parseCredentials(seed.credentials, `${path}.credentials`);
  const vpcs = array(seed.vpcs, `${path}.vpcs`).map((v, i) => parseVpc(v, `${path}.vpcs[${i}]`));
  vpcs.forEach((vpc, i) => {
    if (vpcs.findIndex((other) => other.vpcId === vpc.vpcId) !== i) {
      throw new ValidationError(`${path}.vpcs[${i}]: duplicate vpcId ${vpc.vpcId}`);
    }
  });
  const snapshot = parseSnapshot({ instances: seed.instances, routes: seed.routes ?? [] }, path);
  const routeQuota = optionalNumber(seed, "routeQuota", path, 1, true) ?? DEFAULT_ROUTE_QUOTA;
  const qps = optionalNumber(seed, "qps", path, 0, false);
  checkConsistency(vpcs, snapshot, routeQuota, path);
  return { credentials, vpcs, ...snapshot, routeQuota, ...(qps === undefined ? {} : { qps }) };
}

/** Instances and routes as found in a seed, a state file or a control-API body. */
export function parseSnapshot(raw: unknown, path: string): Snapshot {
  const body = object(raw, path, ["instances", "routes"]);
  return {
    instances: array(body.instances, `${path}.instances`).map((i, n) => parseInstance(i, `${path}.instances[${n}]`)),
    routes: array(body.routes, `${path}.routes`).map((r, n) => parseRoute(r, `${path}.routes[${n}]`)),
  };
}

export function parseInstance(raw: unknown, path: string): Instance {
  const obj = object(raw, path, ["instanceId", "vpcId", "privateIpAddress", "state", "instanceName", "projectId"]);
  const privateIpAddress = text(obj, "privateIpAddress", path, IPV4);
  return {
    instanceId: text(obj, "instanceId", path, UUID),
    vpcId: text(obj, "vpcId", path, UUID),
    privateIpAddress,
    state: optionalText(obj, "state", path) ?? "active",
    instanceName: optionalText(obj, "instanceName", path) ?? `kec-${privateIpAddress.replaceAll(".", "-")}`,
    projectId: optionalNumber(obj, "projectId", path, 0, true) ?? 0,
  };
}

/** Seed and control-API routes may omit routeId (derived from VPC and destination) and createTime. */
export function parseRoute(raw: unknown, path: string): Route {
  const obj = object(raw, path, [
    "routeId",
    "vpcId",
    "destinationCidrBlock",
    "routeType",
    "instanceId",
    "gatewayId",
    "createTime",
  ]);
  const vpcId = text(obj, "vpcId", path, UUID);
  const destinationCidrBlock = text(obj, "destinationCidrBlock", path, NETWORK_CIDR);
  const routeType = text(obj, "routeType", path, ROUTE_TYPE) as RouteType;
  const routeId = optionalText(obj, "routeId", path, UUID) ?? deriveUuid("route", vpcId, destinationCidrBlock);
  const createTime = optionalText(obj, "createTime", path) ?? formatCreateTime(new Date());
  const route: Route = { routeId, vpcId, destinationCidrBlock, routeType, createTime };
  if (routeType === "Host") {
    if (obj.gatewayId !== undefined) throw new ValidationError(`${path}.gatewayId: Host routes use instanceId`);
    route.instanceId = text(obj, "instanceId", path, UUID);
  } else {
    if (obj.instanceId !== undefined) throw new ValidationError(`${path}.instanceId: only Host routes have one`);
    route.gatewayId = optionalText(obj, "gatewayId", path, UUID) ?? deriveUuid("gateway", routeId);
  }
  return route;
}

/** The access keys the emulator accepts: at least one, each accessKeyId once. */
export function parseCredentials(raw: unknown, path: string): Credential[] {
  const credentials = array(raw, path).map((c, i) => parseCredential(c, `${path}[${i}]`));
  if (credentials.length === 0) throw new ValidationError(`${path}: needs at least one credential`);
  const keys = new Set<string>();
  credentials.forEach((credential, i) => {
    if (keys.has(credential.accessKeyId)) throw new ValidationError(`${path}[${i}]: duplicate accessKeyId`);
    keys.add(credential.accessKeyId);
  });
  return credentials;
}

function parseCredential(raw: unknown, path: string): Credential {
  const obj = object(raw, path, ["accessKeyId", "secretAccessKey", "securityToken"]);
  const securityToken = optionalText(obj, "securityToken", path);
  return {
    accessKeyId: text(obj, "accessKeyId", path),
    secretAccessKey: text(obj, "secretAccessKey", path),
    ...(securityToken === undefined ? {} : { securityToken }),
  };
}

function parseVpc(raw: unknown, path: string): Vpc {
  const obj = object(raw, path, ["vpcId", "cidrBlock", "region", "productTag", "vpcName", "createTime"]);
  const vpcId = text(obj, "vpcId", path, UUID);
  const productTag = optionalText(obj, "productTag", path);
  return {
    vpcId,
    cidrBlock: text(obj, "cidrBlock", path, NETWORK_CIDR),
    region: text(obj, "region", path, REGION),
    vpcName: optionalText(obj, "vpcName", path) ?? `vpc-${vpcId.slice(0, 8)}`,
    createTime: optionalText(obj, "createTime", path) ?? formatCreateTime(new Date()),
    ...(productTag === undefined ? {} : { productTag }),
  };
}

/** Cross-references (VPC exists, IP inside the VPC, no duplicate ids or destinations) via a scratch store, then quota. */
function checkConsistency(vpcs: Vpc[], snapshot: Snapshot, routeQuota: number, path: string): void {
  const store = new Store(vpcs);
  try {
    store.load(snapshot);
  } catch (error) {
    throw new ValidationError(`${path}.${(error as Error).message}`, { cause: error });
  }
  for (const vpc of vpcs) {
    const count = store.routeCount(vpc.vpcId);
    if (count > routeQuota) {
      throw new ValidationError(
        `${path}.routeQuota: vpc ${vpc.vpcId} is seeded with ${count} routes, more than ${routeQuota}`,
      );
    }
  }
}
