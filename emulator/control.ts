import type { Faults } from "./faults.ts";
import { isUuid } from "./ids.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { parseCredentials, parseInstance, parseRoute } from "./seed.ts";
import type { Stats } from "./stats.ts";
import type { Store } from "./store.ts";
import type { Credential } from "./types.ts";
import { ValidationError, array, object, optionalNumber, text } from "./validate.ts";

export interface ControlDeps {
  store: Store;
  stats: Stats;
  faults: Faults;
  limiter: RateLimiter;
  /** Replaces the accepted access keys, as an operator rotating them does. */
  setCredentials(credentials: Credential[]): void;
  /** Back to the seed (state, stats, faults, QPS, credentials), or stats only. */
  reset(statsOnly: boolean): void;
}

export interface ControlResponse {
  status: number;
  body?: unknown;
}

/** 127.0.0.0/8 and ::1, also IPv4-mapped. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The unsigned test/demo API under /_emulator/; only loopback peers may use it. */
export function handleControl(
  method: string,
  url: string,
  body: Buffer,
  peer: string | undefined,
  deps: ControlDeps,
): ControlResponse {
  if (!isLoopback(peer)) return { status: 403, body: { error: "the control API answers loopback peers only" } };
  const [resource, id, ...rest] = (url.split("?")[0] ?? "").split("/").filter(Boolean).slice(1);
  if (rest.length > 0) return notFound(url);
  const query = new URLSearchParams(url.split("?")[1] ?? "");
  try {
    return (
      dispatch(`${method} ${resource ?? ""}${id === undefined ? "" : "/{id}"}`, id ?? "", body, deps, query) ??
      notFound(url)
    );
  } catch (error) {
    if (error instanceof ValidationError) return { status: 400, body: { error: error.message } };
    throw error;
  }
}

function dispatch(
  route: string,
  id: string,
  body: Buffer,
  deps: ControlDeps,
  query: URLSearchParams,
): ControlResponse | undefined {
  const { store } = deps;
  switch (route) {
    case "GET routes": {
      // ?destination=<cidr>: one destination's routes, cheap enough to poll for (benchmarks time routes to the ms).
      const destination = query.get("destination");
      const routes = store.routes().filter((r) => destination === null || r.destinationCidrBlock === destination);
      return { status: 200, body: { routes } };
    }
    case "POST routes": {
      const route = parseRoute(json(body), "route");
      conflictAsValidation(() => store.addRoute(route));
      return { status: 201, body: route };
    }
    case "DELETE routes/{id}":
      return store.deleteRoute(id) ? { status: 204 } : notFound(`route ${id}`);
    case "PATCH routes/{id}": {
      const instanceId = text(object(json(body), "body", ["instanceId"]), "instanceId", "body", {
        test: isUuid,
        expected: "a lowercase UUID",
      });
      const route = store.route(id);
      if (route === undefined) return notFound(`route ${id}`);
      if (route.routeType !== "Host") throw new ValidationError(`route ${id} is a ${route.routeType} route, not Host`);
      return { status: 200, body: store.setNextHop(id, instanceId) };
    }
    case "POST instances": {
      const raw = object(json(body), "body", ["instances"]);
      const instances = array(raw.instances, "body.instances").map((i, n) => parseInstance(i, `body.instances[${n}]`));
      instances.forEach((instance, n) =>
        conflictAsValidation(() => store.addInstance(instance), `body.instances[${n}]`),
      );
      return { status: 201, body: { instances } };
    }
    case "POST faults":
      deps.faults.configure(json(body));
      return { status: 200, body: {} };
    case "POST qps": {
      const raw = object(json(body), "body", ["qps"]);
      deps.limiter.setQps(raw.qps === null ? undefined : optionalNumber(raw, "qps", "body", 0, false));
      return { status: 200, body: {} };
    }
    case "PUT credentials": {
      const raw = object(json(body), "body", ["credentials"]);
      deps.setCredentials(parseCredentials(raw.credentials, "body.credentials"));
      return { status: 200, body: {} };
    }
    case "GET stats":
      return { status: 200, body: deps.stats.toJSON() };
    case "POST reset": {
      const raw = body.length === 0 ? {} : object(json(body), "body", ["statsOnly"]);
      deps.reset(raw.statsOnly === true);
      return { status: 200, body: {} };
    }
    default:
      return undefined;
  }
}

function json(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new ValidationError("body: expected JSON");
  }
}

/** Store invariant violations (duplicate id or destination, unknown VPC) are the caller's fault here. */
function conflictAsValidation(action: () => void, path = "body"): void {
  try {
    action();
  } catch (error) {
    throw new ValidationError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

function notFound(what: string): ControlResponse {
  return { status: 404, body: { error: `${what} not found` } };
}
