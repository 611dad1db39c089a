import type { Caller } from "./auth.ts";
import type { ResultCache } from "./paging.ts";
import type { Params } from "./params.ts";
import type { Store } from "./store.ts";
import type { Instance, Route, Vpc } from "./types.ts";

export interface ActionContext {
  params: Params;
  caller: Caller;
  headers: ReadonlyMap<string, readonly string[]>;
  store: Store;
  routeQuota: number;
  caches: { routes: ResultCache<Route>; vpcs: ResultCache<Vpc>; instances: ResultCache<Instance> };
}

/**
 * An action validates the request and returns the commit that performs it and builds the response body
 * (without RequestId). The split lets `DryRun=true` stop after validation, answering 412 (Terraform's dry_run
 * takes that for success).
 */
export type Action = (ctx: ActionContext) => () => object;

/** The VPC with this id if the caller's region can see it; other regions' VPCs do not exist for the caller. */
export function visibleVpc(ctx: ActionContext, vpcId: string): Vpc | undefined {
  const vpc = ctx.store.vpc(vpcId);
  return vpc?.region === ctx.caller.region ? vpc : undefined;
}
