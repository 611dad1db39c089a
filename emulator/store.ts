import { cidrContains, parseCidr, parseIpv4 } from "./cidr.ts";
import type { Instance, Route, Snapshot, Vpc } from "./types.ts";

/**
 * In-memory KSYun state, indexed by id, by VPC and by (VPC, destination) so that duplicate checks are O(1)
 * and 5,000+ routes stay cheap. Maps keep insertion order, which makes route order stable.
 * Mutations throw plain Errors on broken invariants; API-level checks live in the actions.
 */
export class Store {
  private readonly vpcById = new Map<string, Vpc>();
  private readonly instanceById = new Map<string, Instance>();
  private readonly instanceByAddress = new Map<string, Instance>();
  private readonly routeById = new Map<string, Route>();
  private readonly routesByVpc = new Map<string, Map<string, Route>>();
  private readonly routeByDestination = new Map<string, Map<string, Route>>();
  private changes = 0;
  /** Called after every mutation (persistence hooks in here). */
  onChange: () => void = () => {};

  constructor(vpcs: readonly Vpc[]) {
    for (const vpc of vpcs) {
      if (this.vpcById.has(vpc.vpcId)) throw new Error(`vpc ${vpc.vpcId} is listed twice`);
      this.vpcById.set(vpc.vpcId, vpc);
      this.routesByVpc.set(vpc.vpcId, new Map());
      this.routeByDestination.set(vpc.vpcId, new Map());
    }
  }

  /** Increases with every mutation; result caches compare it. */
  get version(): number {
    return this.changes;
  }

  vpc(vpcId: string): Vpc | undefined {
    return this.vpcById.get(vpcId);
  }

  vpcs(): Vpc[] {
    return [...this.vpcById.values()];
  }

  instance(instanceId: string): Instance | undefined {
    return this.instanceById.get(instanceId);
  }

  instances(): Instance[] {
    return [...this.instanceById.values()];
  }

  route(routeId: string): Route | undefined {
    return this.routeById.get(routeId);
  }

  routes(): Route[] {
    return [...this.routeById.values()];
  }

  routesIn(vpcId: string): Iterable<Route> {
    return this.routesByVpc.get(vpcId)?.values() ?? [];
  }

  routeCount(vpcId: string): number {
    return this.routesByVpc.get(vpcId)?.size ?? 0;
  }

  routeTo(vpcId: string, destinationCidrBlock: string): Route | undefined {
    return this.routeByDestination.get(vpcId)?.get(destinationCidrBlock);
  }

  addInstance(instance: Instance): void {
    this.checkInstance(instance);
    this.instanceById.set(instance.instanceId, instance);
    this.instanceByAddress.set(addressKey(instance), instance);
    this.changed();
  }

  addRoute(route: Route): void {
    const byDestination = this.routeByDestination.get(route.vpcId);
    const inVpc = this.routesByVpc.get(route.vpcId);
    if (byDestination === undefined || inVpc === undefined) throw new Error(`vpc ${route.vpcId} does not exist`);
    if (this.routeById.has(route.routeId)) throw new Error(`route ${route.routeId} already exists`);
    if (byDestination.has(route.destinationCidrBlock)) {
      throw new Error(`vpc ${route.vpcId} already has a route to ${route.destinationCidrBlock}`);
    }
    this.routeById.set(route.routeId, route);
    inVpc.set(route.routeId, route);
    byDestination.set(route.destinationCidrBlock, route);
    this.changed();
  }

  deleteRoute(routeId: string): boolean {
    const route = this.routeById.get(routeId);
    if (route === undefined) return false;
    this.routeById.delete(routeId);
    this.routesByVpc.get(route.vpcId)?.delete(routeId);
    this.routeByDestination.get(route.vpcId)?.delete(route.destinationCidrBlock);
    this.changed();
    return true;
  }

  /** Out-of-band next-hop change; the route keeps its id and position. */
  setNextHop(routeId: string, instanceId: string): Route | undefined {
    const route = this.routeById.get(routeId);
    if (route === undefined) return undefined;
    route.instanceId = instanceId;
    this.changed();
    return route;
  }

  /** Replaces all instances and routes with copies of `source`; errors name the offending list entry. */
  load(source: Snapshot): void {
    const snapshot = structuredClone(source);
    this.instanceById.clear();
    this.instanceByAddress.clear();
    this.routeById.clear();
    for (const map of [...this.routesByVpc.values(), ...this.routeByDestination.values()]) map.clear();
    snapshot.instances.forEach((instance, i) => withPath(`instances[${i}]`, () => this.addInstance(instance)));
    snapshot.routes.forEach((route, i) => withPath(`routes[${i}]`, () => this.addRoute(route)));
    this.changed();
  }

  snapshot(): Snapshot {
    return { instances: this.instances(), routes: this.routes() };
  }

  private checkInstance(instance: Instance): void {
    const vpc = this.vpcById.get(instance.vpcId);
    if (vpc === undefined) throw new Error(`vpc ${instance.vpcId} does not exist`);
    if (this.instanceById.has(instance.instanceId)) throw new Error(`instance ${instance.instanceId} already exists`);
    const cidr = parseCidr(vpc.cidrBlock);
    const ip = parseIpv4(instance.privateIpAddress);
    if (cidr === undefined || ip === undefined || !cidrContains(cidr, ip)) {
      throw new Error(`privateIpAddress ${instance.privateIpAddress} is outside vpc cidr ${vpc.cidrBlock}`);
    }
    const other = this.instanceByAddress.get(addressKey(instance));
    if (other !== undefined) {
      throw new Error(`privateIpAddress ${instance.privateIpAddress} is already used by ${other.instanceId}`);
    }
  }

  private changed(): void {
    this.changes++;
    this.onChange();
  }
}

function addressKey(instance: Instance): string {
  return `${instance.vpcId}/${instance.privateIpAddress}`;
}

function withPath(path: string, action: () => void): void {
  try {
    action();
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}
