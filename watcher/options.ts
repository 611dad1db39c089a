// Command-line flags and their environment fallbacks. Pure: argv, env and a file-existence probe in, options out,
// so every default and error is unit-tested.
import { parseArgs } from "node:util";
import { leaderIdentity } from "./identity.ts";

export interface WatcherOptions {
  readonly stack: string;
  readonly resyncMs: number;
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  readonly port: number;
  /** Undefined: every interface. With host networking the Deployment binds the pod's IP (the node's). */
  readonly bindAddress: string | undefined;
  readonly identity: string;
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Undefined: the runs get no KSYUN_AKSK_DIR (credentials from the stack config or environment). */
  readonly akskDir: string | undefined;
  /** The stack settings file (Pulumi.<stack>.yaml, e.g. a mounted ConfigMap); undefined: the one in the project. */
  readonly configFile: string | undefined;
  readonly logLevel: string;
}

export const DEFAULT_AKSK_DIR = "/var/lib/aksk";
/**
 * On the host network beside the original controller during a migration, which holds 8080 (metrics) and 10258
 * (health); 10280 is none of Kubernetes' own components' ports either (10248-10259).
 */
export const DEFAULT_PORT = 10280;

interface Flag {
  readonly env: string;
  readonly help: string;
  readonly fallback?: (env: Env) => string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

// client-go's leader-election defaults (also the original controller's): 15 s / 10 s / 2 s.
const FLAGS = {
  stack: { env: "KSYUN_ROUTE_STACK", help: "Pulumi stack to run (required), e.g. prod or org/prod" },
  "resync-period": { env: "KSYUN_ROUTE_RESYNC_PERIOD", help: "interval of the full sync with refresh (default 5m)" },
  debounce: { env: "KSYUN_ROUTE_DEBOUNCE", help: "quiet time that ends a burst of node changes (default 500ms)" },
  "max-wait": { env: "KSYUN_ROUTE_MAX_WAIT", help: "longest a burst may delay its run (default 5s)" },
  port: {
    env: "KSYUN_ROUTE_PORT",
    help: `port of /healthz, /readyz and /metrics (default ${DEFAULT_PORT})`,
  },
  "bind-address": {
    env: "KSYUN_ROUTE_BIND_ADDRESS",
    help: "address the port listens on (default every interface)",
  },
  identity: {
    env: "KSYUN_ROUTE_IDENTITY",
    help: "leader-election identity (default <host name>_$POD_NAME, or the host name without $POD_NAME)",
  },
  "lease-name": { env: "KSYUN_ROUTE_LEASE_NAME", help: "Lease object (default ksyun-route-watcher)" },
  "lease-namespace": {
    env: "KSYUN_ROUTE_LEASE_NAMESPACE",
    help: "namespace of the Lease (default $POD_NAMESPACE, else kube-system)",
    fallback: (env) => env.POD_NAMESPACE,
  },
  "lease-duration": { env: "KSYUN_ROUTE_LEASE_DURATION", help: "how long a Lease holds unrenewed (default 15s)" },
  "renew-deadline": {
    env: "KSYUN_ROUTE_RENEW_DEADLINE",
    help: "a leader unable to renew this long steps down (default 10s)",
  },
  "retry-period": { env: "KSYUN_ROUTE_RETRY_PERIOD", help: "interval of acquire and renew attempts (default 2s)" },
  "aksk-dir": {
    env: "KSYUN_AKSK_DIR",
    help: `mounted kce-security-token Secret handed to the runs (default ${DEFAULT_AKSK_DIR} if it exists)`,
  },
  "config-file": {
    env: "KSYUN_ROUTE_CONFIG_FILE",
    help: "stack settings file, read afresh by every run (default Pulumi.<stack>.yaml in the project)",
  },
  "log-level": { env: "LOG_LEVEL", help: "pino level: debug, info, warn, error (default info)" },
} as const satisfies Record<string, Flag>;
type Name = keyof typeof FLAGS;

export const USAGE = `Usage: npm run watcher -- --stack <stack> [flags]

Keeps a ksyun-route stack's routes converged: runs the program (routes only) on node changes and periodically.
The Pulumi CLI, language host and plugins are the image's ($KSYUN_ROUTE_TOOLS_DIR), else scripts/tools.sh's; the
backend and secrets come from the usual PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE[_FILE]; the cluster from
KUBECONFIG, else in-cluster config.

Flags (each also read from the environment variable shown; durations like 500ms, 10s, 5m, 1h30m):
${Object.entries(FLAGS)
  .map(([name, flag]) => `  --${`${name} <value>`.padEnd(26)} ${flag.env.padEnd(28)} ${flag.help}`)
  .join("\n")}
  ${"--help".padEnd(28)} ${"".padEnd(28)} this text
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Go-style durations: one or more <number><unit> with unit ms, s, m or h. */
export function parseDuration(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS], 0);
}

/** Options, or "help"; throws UsageError naming the flag and its environment variable. */
export function parseOptions(
  argv: readonly string[],
  env: Env,
  context: { hostname: string; exists: (path: string) => boolean },
): WatcherOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: "string" as const }])),
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const raw = (name: Name): string | undefined => {
    const flag: Flag = FLAGS[name];
    const value = (values as Record<string, string | undefined>)[name] ?? env[flag.env] ?? flag.fallback?.(env);
    return value === "" ? undefined : value;
  };
  const label = (name: Name) => `--${name} (${FLAGS[name].env})`;
  const duration = (name: Name, fallback: number, min = 1): number => {
    const text = raw(name);
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms === undefined || ms < min) throw new UsageError(`${label(name)}: "${text}" is not a duration of ${min}ms+`);
    return ms;
  };

  const stack = raw("stack");
  if (!stack) throw new UsageError(`${label("stack")} is required`);
  const portText = raw("port") ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`${label("port")}: "${portText}" is not a port`);

  const leaseDurationMs = duration("lease-duration", 15_000);
  const renewDeadlineMs = duration("renew-deadline", 10_000);
  const retryPeriodMs = duration("retry-period", 2_000);
  // client-go's checks: a leader must give up before others may take over, and retry within its deadline.
  if (renewDeadlineMs >= leaseDurationMs)
    throw new UsageError("--renew-deadline must be shorter than --lease-duration");
  if (retryPeriodMs >= renewDeadlineMs) throw new UsageError("--retry-period must be shorter than --renew-deadline");
  const debounceMs = duration("debounce", 500, 0);
  const maxWaitMs = duration("max-wait", 5_000, 0);
  if (maxWaitMs < debounceMs) throw new UsageError("--max-wait must not be shorter than --debounce");

  return {
    stack,
    resyncMs: duration("resync-period", 300_000, 1_000),
    debounceMs,
    maxWaitMs,
    port,
    bindAddress: raw("bind-address"),
    identity: raw("identity") ?? leaderIdentity(context.hostname, env.POD_NAME),
    leaseName: raw("lease-name") ?? "ksyun-route-watcher",
    leaseNamespace: raw("lease-namespace") ?? "kube-system",
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    akskDir: raw("aksk-dir") ?? (context.exists(DEFAULT_AKSK_DIR) ? DEFAULT_AKSK_DIR : undefined),
    configFile: raw("config-file"),
    logLevel: raw("log-level") ?? "info",
  };
}
