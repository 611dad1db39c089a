// An in-memory RouteCloud that answers as KSYun does (duplicate destination, missing instance, quota, not found)
// and records every call, for table-driven tests of what acts on routes.
import { KsyunApiError } from "../client/errors.ts";
import type { Route } from "../client/types.ts";
import type { RouteCloud } from "../cloud.ts";
import type { CreateRouteInput, CreateRouteResult } from "../client/types.ts";

export interface FakeCloudOptions {
  readonly routes?: readonly Route[];
  /** Instances of the VPC; others are refused with InstanceNotFound. Undefined: every instance exists. */
  readonly instances?: readonly string[];
  readonly quota?: number;
}

const refused = (action: string, code: string, message: string, httpStatus = 400) =>
  new KsyunApiError({ action, code, serverMessage: message, httpStatus });

export class FakeCloud implements RouteCloud {
  readonly routes = new Map<string, Route>();
  /** One line per call: "create <destination> <instance>", "delete <id>", "list", "list <destination>", "get <id>". */
  readonly calls: string[] = [];
  /** Errors the next calls of an operation throw, in order, before answering normally. */
  readonly failNext: Partial<Record<"create" | "delete" | "list" | "get", Error[]>> = {};
  readonly #instances: ReadonlySet<string> | undefined;
  readonly #quota: number;
  #next = 1;

  constructor(options: FakeCloudOptions = {}) {
    for (const route of options.routes ?? []) this.routes.set(route.routeId, route);
    this.#instances = options.instances && new Set(options.instances);
    this.#quota = options.quota ?? 1000;
  }

  /** A Host route as KSYun lists it. */
  static host(routeId: string, destination: string, instanceId: string, vpcId = "vpc"): Route {
    return {
      routeId,
      vpcId,
      destinationCidrBlock: destination,
      routeType: "Host",
      nextHopSet: [{ gatewayId: instanceId }],
    };
  }

  async list(vpcId: string, destination?: string): Promise<Route[]> {
    this.#fail("list", destination ? `list ${destination}` : "list");
    return [...this.routes.values()].filter(
      (r) => r.vpcId === vpcId && (destination === undefined || r.destinationCidrBlock === destination),
    );
  }

  async get(vpcId: string, routeId: string): Promise<Route | undefined> {
    this.#fail("get", `get ${routeId}`);
    const route = this.routes.get(routeId);
    return route?.vpcId === vpcId ? route : undefined;
  }

  async create(input: CreateRouteInput): Promise<CreateRouteResult> {
    this.#fail("create", `create ${input.destinationCidrBlock} ${input.instanceId}`);
    const { vpcId, destinationCidrBlock, instanceId } = input;
    if (this.#instances && !this.#instances.has(instanceId)) {
      throw refused("CreateRoute", "InstanceNotFound", `instance ${instanceId} not found in VPC ${vpcId}`);
    }
    if ([...this.routes.values()].some((r) => r.vpcId === vpcId && r.destinationCidrBlock === destinationCidrBlock)) {
      throw refused("CreateRoute", "InvalidParameter.RouteDuplicate", `${destinationCidrBlock} is same with a route`);
    }
    if (this.routes.size >= this.#quota) throw refused("CreateRoute", "QuotaExceeded", "route quota exceeded");
    // Distinct from any seeded id, as KSYun's own are.
    let routeId = `new-${this.#next++}`;
    while (this.routes.has(routeId)) routeId = `new-${this.#next++}`;
    this.routes.set(routeId, {
      ...FakeCloud.host(routeId, destinationCidrBlock, instanceId, vpcId),
      ...(input.description && { description: input.description }),
    });
    return { routeId, recovered: false };
  }

  async delete(_vpcId: string, routeId: string): Promise<void> {
    this.#fail("delete", `delete ${routeId}`);
    this.routes.delete(routeId);
  }

  /** "<destination> <next hop>" per route, sorted: the VPC's table at a glance. */
  table(): string[] {
    return [...this.routes.values()].map((r) => `${r.destinationCidrBlock} ${r.nextHopSet[0]?.gatewayId}`).sort();
  }

  #fail(op: keyof FakeCloud["failNext"], call: string): void {
    this.calls.push(call);
    const error = this.failNext[op]?.shift();
    if (error) throw error;
  }
}
