// `npm run status [-- --stack <name>] [--json]`: the live cluster's nodes against the VPC's routes, one row per
// node and per unwanted route, with the same config, planner and credentials as the program. Read-only: it never
// changes a route, the state or the selected stack.
//
// Exit code: 0 when every row is ok, skipped or foreign; 1 when any row is missing, wrong-next-hop or extra;
// 2 when the status cannot be computed (config, cluster, API or plan error).
import { parseArgs } from "node:util";
import { clientFromSettings, readSettings } from "@ksyun-route/provider/settings";
import { NAMESPACE, parseConfig } from "../program/config.ts";
import { gatherFacts } from "../program/facts.ts";
import { routeDescription } from "../program/stack.ts";
import { prepareRuntime, repoRoot } from "../scripts/tools.ts";
import { formatJson, formatTable } from "./format.ts";
import { managedRouteIds, managedRoutes, readStack } from "./stack.ts";
import { isHealthy, routeStatus } from "./status.ts";

const USAGE = `usage: npm run status -- [--stack <name>] [--json]

Compares the cluster's nodes with the VPC's routes for a stack of this project (default: the selected stack).
Reads the stack config like pulumi does (set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE for
passphrase-encrypted secrets, PULUMI_BACKEND_URL for the state backend) and the stack's routes output.

States: ok, missing, wrong-next-hop, extra, foreign, skipped.
Exit code: 0 all ok (skipped and foreign rows do not fail), 1 any missing, wrong-next-hop or extra row, 2 error.`;

/** The runtime tools first on PATH (as npm run pulumi); the pulumi already on PATH when they cannot be built. */
function preparePath(): void {
  try {
    prepareRuntime();
  } catch {
    console.error("[status] the project's tools are not built; using the pulumi on PATH");
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", short: "s" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  preparePath();
  const state = await readStack(repoRoot, values.stack);
  const raw = state.config;
  const config = parseConfig(raw);
  // The guard against mass deletion is for changes; the status still shows what such a run would delete.
  const { nodes, plan } = await gatherFacts({ ...config, allowMassDeletion: true }, raw, async () =>
    managedRoutes(state.routes),
  );
  const client = clientFromSettings(readSettings((key) => raw[`${NAMESPACE}:${key}`]));
  const vpcRoutes = await client.listVpcRoutes(config.vpcId).finally(() => client.close());
  const rows = routeStatus(plan, vpcRoutes, managedRouteIds(state.routes), {
    descriptionPrefix: routeDescription(config, ""),
  });
  const report = {
    stack: state.stack,
    vpcId: config.vpcId,
    ...(config.clusterUuid ? { clusterUuid: config.clusterUuid } : {}),
    nodes: nodes.length,
    vpcRoutes: vpcRoutes.length,
    rows,
  };
  console.log(values.json ? formatJson(report) : formatTable(report));
  return isHealthy(rows) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[status] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
