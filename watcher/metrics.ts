// Prometheus metrics of the watcher, on a registry of its own (no global state, so tests can create several).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type RunKind = "event" | "sync";
export type RunResult = "success" | "failure" | "conflict" | "aborted";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const p = "ksyun_route_watcher_";
  return {
    registry,
    runs: new Counter({
      name: `${p}runs_total`,
      help: "Pulumi runs by kind (event: node changes; sync: periodic, with refresh) and result",
      labelNames: ["kind", "result"] as const,
      registers,
    }),
    runDuration: new Histogram({
      name: `${p}run_duration_seconds`,
      help: "Duration of Pulumi runs",
      labelNames: ["kind"] as const,
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
      registers,
    }),
    runInProgress: new Gauge({ name: `${p}run_in_progress`, help: "1 while a Pulumi run is in flight", registers }),
    routesManaged: new Gauge({ name: `${p}routes_managed`, help: "Routes in the stack outputs", registers }),
    driftRepaired: new Counter({
      name: `${p}drift_repaired_total`,
      help: "Periodic refresh runs that changed routes (out-of-band deletes or edits repaired)",
      registers,
    }),
    // The KSYun API calls happen in the provider plugin (a separate process); the engine reports each resource
    // operation, which is one or more calls (create: CreateRoute, delete: DeleteRoute, refresh: DescribeRoutes).
    routeOperations: new Counter({
      name: `${p}route_operations_total`,
      help: "Route operations by the engine (create, update, replace, delete, refresh) and result (ok, error)",
      labelNames: ["op", "result"] as const,
      registers,
    }),
    lastSuccess: new Gauge({
      name: `${p}last_success_timestamp_seconds`,
      help: "Unix time of the last successful run",
      registers,
    }),
    consecutiveFailures: new Gauge({
      name: `${p}consecutive_failures`,
      help: "Failed runs since the last success",
      registers,
    }),
    leader: new Gauge({ name: `${p}leader`, help: "1 while this replica holds the Lease", registers }),
    // The event path's own KSYun calls (the runs' calls happen in their provider processes).
    ksyunCalls: new Counter({
      name: `${p}ksyun_calls_total`,
      help: "KSYun API calls this watcher made itself (the event path), by action and result (ok, error)",
      labelNames: ["action", "result"] as const,
      registers,
    }),
    eventActions: new Counter({
      name: `${p}event_route_operations_total`,
      help: "Route operations of the event path (create, delete, adopt) by result (ok, error)",
      labelNames: ["op", "result"] as const,
      registers,
    }),
    nodesSkipped: new Gauge({
      name: `${p}nodes_skipped`,
      help: "Nodes without a route of their own by why (excluded, unroutable, trouble), as of the last pass",
      labelNames: ["kind"] as const,
      registers,
    }),
    deletesWithheld: new Gauge({
      name: `${p}deletes_withheld`,
      help: "Route deletes the mass-deletion guard holds back (see ksyun-route:allowMassDeletion)",
      registers,
    }),
    ledgerEntries: new Gauge({
      name: `${p}ledger_entries`,
      help: "Routes made by the event path that no run has recorded yet",
      registers,
    }),
    informerRestarts: new Counter({
      name: `${p}informer_restarts_total`,
      help: "Node informer restarts after errors",
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
