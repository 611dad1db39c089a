// The watcher as a local process (as in a pod, minus the image) against a ProgramStack, with its /metrics at hand.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, waitFor } from "../../testenv/ports.ts";
import { spawnSession, tail, type SessionProcess } from "../../testenv/processes.ts";
import { repoRoot } from "../../testenv/tools.ts";
import type { ProgramStack } from "./program-stack.ts";

export interface WatcherProcess {
  readonly identity: string;
  readonly proc: SessionProcess;
  /** /readyz: the informer has synced (and a leader has started its first run). */
  ready(): Promise<boolean>;
  /** The /metrics exposition text. */
  metricsText(): Promise<string>;
  /** The sum of the samples of `name` whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** The JSON log lines so far. */
  logs(): Record<string, unknown>[];
}

export const LEASE_NAMESPACE = "kube-system";

/** Node's flags as the image starts the watcher (deploy/Dockerfile's ENTRYPOINT), so tests run it as deployed. */
export function entrypointNodeFlags(): string[] {
  const dockerfile = readFileSync(join(repoRoot, "deploy/Dockerfile"), "utf8");
  const entrypoint = dockerfile.split("\n").findLast((line) => line.startsWith("ENTRYPOINT "))!;
  const argv = JSON.parse(entrypoint.slice("ENTRYPOINT ".length)) as string[];
  return argv.slice(1, argv.indexOf("watcher/main.ts"));
}

/**
 * No run in progress and nothing in the event path's ledger: every route the event path made is recorded in the
 * state (its routes can be present well before the debounced run that records them has started).
 */
export const idle = (w: WatcherProcess) =>
  waitFor(
    `${w.identity} idle`,
    async () => {
      const [inProgress, ledger] = await Promise.all([
        w.metric("ksyun_route_watcher_run_in_progress"),
        w.metric("ksyun_route_watcher_ledger_entries"),
      ]);
      return inProgress === 0 && ledger === 0 ? true : undefined;
    },
    120_000,
  );

export async function startWatcher(
  s: ProgramStack,
  options: { identity: string; kubeconfig: string; resync: string; args?: string[] },
): Promise<WatcherProcess> {
  const port = await freePort();
  const proc = spawnSession(
    process.execPath,
    [
      ...entrypointNodeFlags(),
      join(repoRoot, "watcher/main.ts"),
      ...["--stack", s.stack, "--identity", options.identity, "--port", String(port)],
      ...["--resync-period", options.resync, "--lease-namespace", LEASE_NAMESPACE],
      // Short Lease timings keep the takeover test quick; client-go's ratios are kept.
      ...["--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period", "500ms"],
      ...(options.args ?? []),
    ],
    { cwd: repoRoot, env: { ...s.pulumi.env, KUBECONFIG: options.kubeconfig, LOG_LEVEL: "debug" } },
  );
  const stdout = tail(proc.child.stdout, 4 * 1024 * 1024);
  const stderr = tail(proc.child.stderr);
  const url = `http://127.0.0.1:${port}`;
  const metricsText = async () => (await fetch(`${url}/metrics`)).text();
  await waitFor(`watcher ${options.identity} on ${url} (${stderr()})`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`watcher exited: ${stderr()}`);
    return (await fetch(`${url}/healthz`)).ok ? true : undefined;
  });
  return {
    identity: options.identity,
    proc,
    ready: async () => (await fetch(`${url}/readyz`)).ok,
    metricsText,
    async metric(name, labels = {}) {
      const text = await metricsText();
      return text
        .split("\n")
        .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
        .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
    },
    logs: () =>
      stdout()
        .split("\n")
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return []; // the first line may be cut off by the tail
          }
        }),
  };
}
