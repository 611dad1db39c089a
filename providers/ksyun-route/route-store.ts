// Batched route reads: one provider process refreshing N routes of a VPC lists the VPC once (ceil(N/page)
// DescribeRoutes calls) and answers every read from that listing, instead of one call per route.
import type { Route } from "./client/index.ts";

export interface RouteListing {
  byId: Map<string, Route>;
  byDestination: Map<string, Route>;
}

export class RouteStore {
  readonly #list: (vpcId: string) => Promise<Route[]>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #listings = new Map<string, { listing: Promise<RouteListing>; expires: number }>();

  constructor(list: (vpcId: string) => Promise<Route[]>, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#list = list;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** The VPC's routes; concurrent callers share one listing, which is reused until it expires. */
  listing(vpcId: string): Promise<RouteListing> {
    const cached = this.#listings.get(vpcId);
    if (cached && cached.expires > this.#now()) return cached.listing;
    const entry = { listing: this.#load(vpcId), expires: Number.POSITIVE_INFINITY };
    this.#listings.set(vpcId, entry);
    entry.listing.then(
      () => (entry.expires = this.#now() + this.#ttlMs),
      () => this.#listings.get(vpcId) === entry && this.#listings.delete(vpcId),
    );
    return entry.listing;
  }

  /** Records a route this process created, so later reads see it without listing again. */
  async added(route: Route): Promise<void> {
    const cached = this.#listings.get(route.vpcId);
    if (!cached) return;
    const listing = await cached.listing.catch(() => undefined);
    listing?.byId.set(route.routeId, route);
    listing?.byDestination.set(route.destinationCidrBlock, route);
  }

  async removed(vpcId: string, routeId: string): Promise<void> {
    const listing = await this.#listings.get(vpcId)?.listing.catch(() => undefined);
    const route = listing?.byId.get(routeId);
    if (!listing || !route) return;
    listing.byId.delete(routeId);
    if (listing.byDestination.get(route.destinationCidrBlock) === route)
      listing.byDestination.delete(route.destinationCidrBlock);
  }

  async #load(vpcId: string): Promise<RouteListing> {
    const routes = await this.#list(vpcId);
    return {
      byId: new Map(routes.map((route) => [route.routeId, route])),
      byDestination: new Map(routes.map((route) => [route.destinationCidrBlock, route])),
    };
  }
}
