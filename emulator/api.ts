import { randomUUID } from "node:crypto";
import type { Action, ActionContext } from "./action.ts";
import { authenticate } from "./auth.ts";
import { ApiError, dryRunSucceeded, errorBody, invalidAction, invalidValue, throttled } from "./errors.ts";
import type { Faults } from "./faults.ts";
import { addressedService } from "./gateway.ts";
import { KEC_ACTIONS } from "./kec-actions.ts";
import type { Params } from "./params.ts";
import { bodyPairs, decodePairs, flag, mergeParams, required } from "./params.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { Stats } from "./stats.ts";
import type { Credential } from "./types.ts";
import { VPC_ACTIONS } from "./vpc-actions.ts";

/** Both services answer Version 2016-03-04; the service comes from the gateway rules (gateway.ts). */
const SERVICES = new Map([
  ["vpc", { version: "2016-03-04", actions: VPC_ACTIONS }],
  ["kec", { version: "2016-03-04", actions: KEC_ACTIONS }],
]);

const METHODS = ["GET", "POST", "PUT", "DELETE"];

export interface ApiRequest {
  method: string;
  /** Path and raw query string exactly as received. */
  url: string;
  headers: ReadonlyMap<string, readonly string[]>;
  body: Buffer;
}

export interface ApiDeps {
  credentials: ReadonlyMap<string, Credential>;
  context: Pick<ActionContext, "store" | "routeQuota" | "caches">;
  stats: Stats;
  faults: Faults;
  limiter: RateLimiter;
  now: () => Date;
}

export interface ApiResponse {
  status: number;
  body: object;
  latencyMs: number;
  /** Drop the connection instead of answering. */
  reset: boolean;
}

/** One OpenAPI call: parse, authenticate, route, inject faults, throttle, run the action. */
export function handleApi(req: ApiRequest, deps: ApiDeps): ApiResponse {
  const requestId = randomUUID();
  let action = "(none)";
  let latencyMs = 0;
  let reset = false;
  try {
    const q = req.url.indexOf("?");
    const path = q === -1 ? req.url : req.url.slice(0, q);
    const queryPairs = decodePairs(q === -1 ? "" : req.url.slice(q + 1));
    const params = mergeParams([...queryPairs, ...bodyPairs(req.headers.get("content-type")?.[0], req.body)]);
    action = params.get("Action") ?? action;
    if (path !== "/" || !METHODS.includes(req.method)) throw invalidAction();

    const signed = { method: req.method, path, queryPairs, headers: req.headers, body: req.body };
    const caller = authenticate(signed, deps.credentials, deps.now());
    const service = addressedService(req.headers.get("host")?.[0], params.get("Service"), caller);
    requireJson(req.headers, params);

    const fault = deps.faults.decide(action);
    for (const kind of fault.injected) deps.stats.fault(action, kind);
    latencyMs = fault.latencyMs;
    reset = fault.reset;
    if (fault.error !== undefined) throw fault.error;
    if (!deps.limiter.take(`${caller.accessKeyId} ${action}`)) throw throttled();

    const commit = resolveAction(service, params)({ ...deps.context, params, caller, headers: req.headers });
    if (flag(params, "DryRun")) throw dryRunSucceeded();
    return { status: 200, body: { RequestId: requestId, ...commit() }, latencyMs, reset };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    deps.stats.error(action, error.code);
    return { status: error.status, body: errorBody(requestId, error), latencyMs, reset };
  } finally {
    deps.stats.call(action);
  }
}

/** An action the service does not have, or a wrong Version, is unknown to the gateway. */
function resolveAction(service: string, params: Params): Action {
  const name = required(params, "Action");
  const version = required(params, "Version");
  const entry = SERVICES.get(service);
  const action = entry?.actions.get(name);
  if (entry === undefined || action === undefined || version !== entry.version) throw invalidAction();
  return action;
}

/** KSYun answers XML unless asked for JSON (ksc-sdk-java parses XML); the emulator speaks JSON only, so insist. */
function requireJson(headers: ReadonlyMap<string, readonly string[]>, params: Params): void {
  const format = params.get("Format");
  if (format !== undefined) {
    if (format.toLowerCase() !== "json") throw invalidValue("Format", format, "the emulator answers JSON only");
    return;
  }
  const accept = (headers.get("accept") ?? []).join(",");
  if (!accept.toLowerCase().includes("application/json")) {
    throw invalidValue("Accept", accept, "send Accept: application/json or Format=json (KSYun's default is XML)");
  }
}
