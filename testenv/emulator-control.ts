// A typed client for the emulator's unsigned /_emulator/ control API (tests, demo, benchmarks).
export interface EmulatedRoute {
  routeId: string;
  vpcId: string;
  destinationCidrBlock: string;
  routeType: string;
  instanceId?: string;
  description?: string;
  createTime?: string;
}

export interface EmulatorStats {
  calls: Record<string, number>;
  errors: Record<string, Record<string, number>>;
  /** Per action, per fault kind (latency, throttle, error5xx, reset). */
  faultsInjected: Record<string, Record<string, number>>;
}

export type FaultSpec = Partial<{
  error5xxRate: number;
  throttleRate: number;
  latencyMs: number;
  resetRate: number;
  throttleBurst: number;
}>;

export class EmulatorControl {
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Every route, or those to one destination. */
  async routes(destination?: string): Promise<EmulatedRoute[]> {
    const query = destination === undefined ? "" : `?destination=${encodeURIComponent(destination)}`;
    return (await this.#call<{ routes: EmulatedRoute[] }>("GET", `routes${query}`)).routes;
  }
  addRoute(route: Omit<EmulatedRoute, "routeId">): Promise<EmulatedRoute> {
    return this.#call("POST", "routes", route);
  }
  deleteRoute(routeId: string): Promise<void> {
    return this.#call("DELETE", `routes/${routeId}`);
  }
  setNextHop(routeId: string, instanceId: string): Promise<void> {
    return this.#call("PATCH", `routes/${routeId}`, { instanceId });
  }
  addInstances(instances: { instanceId: string; vpcId: string; privateIpAddress: string }[]): Promise<void> {
    return this.#call("POST", "instances", { instances });
  }
  faults(spec: Record<string, FaultSpec>): Promise<void> {
    return this.#call("POST", "faults", spec);
  }
  /** Accepts these access keys only from now on (the old ones answer InvalidAccessKey). */
  setCredentials(credentials: { accessKeyId: string; secretAccessKey: string }[]): Promise<void> {
    return this.#call("PUT", "credentials", { credentials });
  }
  stats(): Promise<EmulatorStats> {
    return this.#call("GET", "stats");
  }
  reset(statsOnly = false): Promise<void> {
    return this.#call("POST", "reset", { statsOnly });
  }
}
