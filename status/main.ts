// `npm run status [-- --stack <name>] [--json]`: the live cluster's nodes against the VPC's routes, one row per
// node and per unwanted route, with the same config, planner and credentials as the program. Read-only: it never
// changes a route, the state or the selected stack.
//
// Exit code: 0 when every row is ok, skipped or foreign; 1 when any row is missing, wrong-next-hop or extra;
// 2 when the status cannot be computed (config, cluster, API or plan error).
import { parseArgs } from "node:util";
import { clientFromSettings, readSettings } from "@ksyun-route/provider/config";
import {
  gatherFacts,
  kubeClient,
  managedRoutes,
  NAMESPACE,
  parseConfig,
  planWithFacts,
  routeDescription,
} from "../program/contract.ts";
import { prepareRuntime, repoRoot } from "../scripts/tools.ts";
import { formatJson, formatTable } from "./format.ts";
import { managedRouteIds, readStack } from "./stack.ts";
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
  const client = clientFromSettings(readSettings((key) => raw[`${NAMESPACE}:${key}`]));
  const { facts, plan, vpcRoutes } = await (async () => {
    const kube = kubeClient(config.kubeconfig, config.kubeContext);
    const facts = await gatherFacts(kube, client, config).finally(() => kube.close());
    const input = {
      ...facts,
      podCidr: config.podCidr,
      current: managedRoutes(state.outputs.routes),
      previouslyWithheld: new Set(state.outputs.withheldDeletes),
      maxRouteDeletes: config.maxRouteDeletes,
      allowMassDeletion: config.allowMassDeletion,
      replaceConflictingRoutes: config.replaceConflictingRoutes,
    };
    return {
      facts,
      plan: await planWithFacts(client, config.vpcId, input, undefined),
      vpcRoutes: await client.listVpcRoutes(config.vpcId),
    };
  })().finally(() => client.close());
  const rows = routeStatus(plan, vpcRoutes, managedRouteIds(state.outputs.routes), {
    descriptionPrefix: routeDescription(config.clusterUuid, ""),
  });
  const report = {
    stack: state.stack,
    vpcId: config.vpcId,
    ...(config.clusterUuid ? { clusterUuid: config.clusterUuid } : {}),
    nodes: facts.nodes.length,
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
