// `npm run watcher -- --stack <stack>`: the in-cluster watcher (see --help). Every replica watches the Nodes and
// serves its probes; only the Lease holder runs Pulumi.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { flushCompileCache } from "node:module";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pino } from "pino";
import { KubeClient } from "../kube/client.ts";
import { loadKubeTarget } from "../kube/config.ts";
import { prepareRuntime } from "../scripts/tools.ts";
import { Controller } from "./controller.ts";
import { LeaseElector } from "./elector.ts";
import { EventPath } from "./event-path.ts";
import { serveHttp } from "./http.ts";
import { configMapStore, Ledger } from "./ledger.ts";
import { kubeLeaseStore } from "./lease-store.ts";
import { pulumiAlive } from "./locks.ts";
import { createMetrics } from "./metrics.ts";
import { NodeReporter } from "./node-reporter.ts";
import { NodeWatch } from "./node-watch.ts";
import { parseOptions, USAGE, UsageError, type WatcherOptions } from "./options.ts";
import { StackRunner } from "./stack-runner.ts";

/** The directory of Pulumi.yaml: the program runs from the repository (or image) root. */
const PROJECT_DIR = resolve(import.meta.dirname, "..");

function options(): WatcherOptions {
  try {
    const parsed = parseOptions(process.argv.slice(2), process.env, { hostname: hostname(), exists: existsSync });
    if (parsed !== "help") return parsed;
    process.stdout.write(USAGE);
    // `--help` has loaded every module: the Deployment's init container runs it to warm NODE_COMPILE_CACHE.
    flushCompileCache();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`${error instanceof UsageError ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const o = options();
  prepareRuntime(); // the CLI and its plugins: the image's (KSYUN_ROUTE_TOOLS_DIR), else scripts/tools.sh's
  // Logs carry names, counts and error summaries only: never the environment, config values or credentials.
  const log = pino({ level: o.logLevel, base: { identity: o.identity, stack: o.stack } });
  // KUBECONFIG, ~/.kube/config, then in-cluster (its token file re-read when rotated).
  const kube = new KubeClient(loadKubeTarget());
  const metrics = createMetrics();

  const runner = new StackRunner({
    stack: o.stack,
    workDir: PROJECT_DIR,
    configFile: o.configFile,
    env: {
      KSYUN_ROUTE_SCOPE: "routes",
      // Each run starts Node twice (program, provider plugin); V8's code cache halves their module loading.
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "ksyun-route-node-compile-cache"),
      // The engine rewrites the whole state after every step, O(N²) for N routes (bench/REPORT.md). The runs need
      // no checkpoints: they only record routes the event path made, and those are in its ledger until recorded.
      PULUMI_SKIP_CHECKPOINTS: "true",
      ...(o.akskDir && { KSYUN_AKSK_DIR: o.akskDir }),
    },
  });
  const lease = { namespace: o.leaseNamespace, name: o.leaseName };
  const reporter = new NodeReporter(kube, o.identity, lease, log);
  // Events start with nodes.start(), after the controller exists.
  const nodes = new NodeWatch(kube, {
    onChange: (reason, node) => {
      log.debug({ reason, node }, "node changed");
      controller.nodeChanged();
    },
    onError: (error, retryInMs) => {
      metrics.informerRestarts.inc();
      log.warn({ err: String(error), retryInMs }, "node informer stopped; restarting");
    },
    onList: (count, resourceVersion) => log.info({ nodes: count, resourceVersion }, "listed nodes"),
  });
  // Each convergence run reads what the event path did from this file; it is rewritten before every run.
  const handoffPath = join(tmpdir(), `ksyun-route-handoff-${process.pid}.json`);
  const eventPath = new EventPath({
    config: () => runner.config(),
    outputs: () => runner.outputs(),
    nodes: () => nodes.nodes(),
    node: (name) => nodes.node(name),
    ledger: new Ledger(configMapStore(kube, o.leaseNamespace)),
    reporter,
    metrics,
    log,
    handoffPath,
    env: { KSYUN_AKSK_DIR: o.akskDir, KSYUN_CIPHER_KEY: process.env.KSYUN_CIPHER_KEY },
    onActed: () => controller.eventPathActed(),
  });
  const controller = new Controller({
    runner,
    eventPath,
    metrics,
    log,
    debounceMs: o.debounceMs,
    maxWaitMs: o.maxWaitMs,
    resyncMs: o.resyncMs,
    lockContext: { hostname: hostname(), pulumiAlive },
  });
  const elector = new LeaseElector({
    store: kubeLeaseStore(kube, o.leaseNamespace, o.leaseName),
    identity: o.identity,
    leaseDurationMs: o.leaseDurationMs,
    renewDeadlineMs: o.renewDeadlineMs,
    retryPeriodMs: o.retryPeriodMs,
    onStartedLeading: (previousLeader) => {
      metrics.leader.set(1);
      log.info({ previousLeader }, "started leading");
      controller.startLeading(previousLeader);
    },
    onStoppedLeading: () => {
      metrics.leader.set(0);
      log.info("stopped leading");
      void controller.stopLeading();
    },
    onError: (error, during) => log.warn({ err: String(error), during }, "lease request failed"),
  });

  const http = await serveHttp(o.port, o.bindAddress, {
    registry: metrics.registry,
    ready: () => nodes.synced && controller.ready,
  });
  log.info({ port: http.port, resyncMs: o.resyncMs, debounceMs: o.debounceMs }, "watcher started");
  // Lead only with a synced cache: the event path plans from it.
  await nodes.start();
  // Every module is loaded by now: a restart starts from the compile cache (scripts/node.sh).
  flushCompileCache();
  const campaign = new AbortController();
  const electing = elector.run(campaign.signal);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    await controller.stopLeading(); // the run first: the Lease must outlive it
    await rm(handoffPath, { force: true });
    campaign.abort(); // releases the Lease
    await electing;
    await nodes.stop();
    http.server.close();
    kube.close();
    process.exit(0);
  };
  process.on("SIGTERM", (s) => void shutdown(s));
  process.on("SIGINT", (s) => void shutdown(s));
}

await main();
