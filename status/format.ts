// Rendering of the status rows: a plain-text table for people, a JSON document for machines. Pure.
import { countStates, isHealthy, STATES } from "./status.ts";
import type { StateCounts, StatusRow } from "./status.ts";

export interface StatusReport {
  readonly stack: string;
  readonly vpcId: string;
  readonly clusterUuid?: string;
  /** Nodes in the cluster. */
  readonly nodes: number;
  /** Routes in the VPC (all types). */
  readonly vpcRoutes: number;
  readonly rows: readonly StatusRow[];
}

export interface StatusDocument extends StatusReport {
  readonly counts: StateCounts;
  /** False when any row is missing, wrong-next-hop or extra: the exit code is then 1. */
  readonly ok: boolean;
}

function statusDocument(report: StatusReport): StatusDocument {
  return { ...report, counts: countStates(report.rows), ok: isHealthy(report.rows) };
}

/** First 8 characters of a route id (the console finds a route by them); JSON keeps ids whole. */
const shortId = (id: string | undefined): string =>
  id === undefined ? "-" : id.length > 13 ? `${id.slice(0, 8)}…` : id;

/** The live next hop in full, "(same)" when it is the wanted one, prefixed by the type of a non-Host route. */
function liveNextHop(row: StatusRow): string {
  if (row.nextHop === undefined) return row.routeType === undefined ? "-" : `${row.routeType}:-`;
  if (row.routeType !== undefined && row.routeType !== "Host") return `${row.routeType}:${row.nextHop}`;
  return row.nextHop.toLowerCase() === row.wantedNextHop?.toLowerCase() ? "(same)" : row.nextHop;
}

const COLUMNS = ["STATE", "NODE", "DESTINATION", "WANTED NEXT HOP", "LIVE NEXT HOP", "ROUTE", "DETAIL"] as const;

function cells(row: StatusRow): string[] {
  return [
    row.state,
    row.node ?? "-",
    row.destination ?? "-",
    row.wantedNextHop ?? "-",
    liveNextHop(row),
    shortId(row.routeId),
    row.detail,
  ];
}

export function formatTable(report: StatusReport): string {
  const doc = statusDocument(report);
  const rows = [[...COLUMNS], ...report.rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const counts = STATES.filter((s) => doc.counts[s] > 0).map((s) => `${doc.counts[s]} ${s}`);
  const cluster = report.clusterUuid ? `, cluster ${report.clusterUuid}` : "";
  return [
    `stack ${report.stack}: VPC ${report.vpcId}${cluster}; ${report.nodes} nodes, ${report.vpcRoutes} VPC routes`,
    "",
    ...rows.map(line),
    "",
    `${counts.length ? counts.join(", ") : "no nodes and no routes"}: ${
      doc.ok ? "OK" : "NOT OK (missing, wrong-next-hop and extra rows fail; skipped and foreign do not)"
    }`,
  ].join("\n");
}

export function formatJson(report: StatusReport): string {
  return JSON.stringify(statusDocument(report), null, 2);
}
