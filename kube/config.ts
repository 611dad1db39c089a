// Which API server to talk to and how to authenticate, resolved like client-go's default loading rules: an explicit
// kubeconfig, else $KUBECONFIG (the first listed file that exists; client-go would merge them all), else
// ~/.kube/config, else the pod's service account. Only what the watcher and the program use is supported; anything
// else in a user entry (exec plugins, passwords, impersonation, other auth providers) is refused by name.
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { load } from "js-yaml";

export interface KubeTarget {
  readonly server: URL;
  readonly ca?: Buffer;
  readonly insecure: boolean;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** The bearer token for the next request, if any. */
  token(): Promise<string | undefined>;
}

export interface KubeTargetOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly env?: Record<string, string | undefined>;
  /** Where a pod's service account is mounted; tests point it elsewhere. */
  readonly serviceAccountDir?: string;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** client-go re-reads a token file once its copy is a minute old, so a rotated (projected) token is picked up. */
const TOKEN_FILE_TTL_MS = 60_000;

export function loadKubeTarget(options: KubeTargetOptions = {}): KubeTarget {
  const env = options.env ?? process.env;
  const file = options.kubeconfig ?? defaultKubeconfig(env);
  if (file) return fromKubeconfig(file, options.context);
  const inCluster = fromServiceAccount(env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  if (inCluster) return inCluster;
  throw new Error(
    "no Kubernetes configuration: no kubeconfig ($KUBECONFIG or ~/.kube/config) and not in a pod " +
      "(KUBERNETES_SERVICE_HOST or the service account token missing)",
  );
}

function defaultKubeconfig(env: Record<string, string | undefined>): string | undefined {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(":").find((path) => path !== "" && existsSync(path));
  const home = join(env.HOME ?? homedir(), ".kube", "config");
  return existsSync(home) ? home : undefined;
}

function fromServiceAccount(env: Record<string, string | undefined>, dir: string): KubeTarget | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(dir, "token");
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const caFile = join(dir, "ca.crt");
  return {
    server: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}`),
    ca: existsSync(caFile) ? readFileSync(caFile) : undefined,
    insecure: false,
    token: fileToken(tokenFile),
  };
}

/** The token in `path`, read on first use and again once the copy is TOKEN_FILE_TTL_MS old. */
function fileToken(path: string): () => Promise<string> {
  let cached: { token: string; readAt: number } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.readAt > TOKEN_FILE_TTL_MS) {
      const token = (await readFile(path, "utf8")).trim();
      cached = { token, readAt: Date.now() };
    }
    return cached.token;
  };
}

type Entry = Record<string, unknown>;

const USER_FIELDS = new Set([
  "token",
  "tokenFile",
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "auth-provider",
  "extensions",
]);
const CLUSTER_FIELDS = new Set([
  "server",
  "certificate-authority",
  "certificate-authority-data",
  "insecure-skip-tls-verify",
  "extensions",
]);

function fromKubeconfig(file: string, contextOverride: string | undefined): KubeTarget {
  const where = `kubeconfig ${file}`;
  const config = load(readFileSync(file, "utf8"));
  if (!isEntry(config)) throw new Error(`${where}: not a kubeconfig (expected a mapping)`);
  const contextName = contextOverride ?? config["current-context"];
  if (typeof contextName !== "string" || contextName === "")
    throw new Error(`${where}: no current-context, and no context was given`);
  const context = named(config, "contexts", "context", contextName, where);
  const clusterName = String(context.cluster ?? "");
  const userName = typeof context.user === "string" ? context.user : undefined;
  const cluster = named(config, "clusters", "cluster", clusterName, where);
  const user = userName === undefined ? {} : named(config, "users", "user", userName, where);
  refuseUnsupported(cluster, CLUSTER_FIELDS, `${where}: cluster ${clusterName}`);
  refuseUnsupported(user, USER_FIELDS, `${where}: user ${userName}`);
  const base = dirname(resolve(file));
  const token = userToken(user, base, `${where}: user ${userName}`);

  if (typeof cluster.server !== "string" || cluster.server === "")
    throw new Error(`${where}: cluster ${clusterName} has no server`);
  const bytes = (dataField: string, fileField: string, entry: Entry): Buffer | undefined => {
    const data = entry[dataField];
    if (typeof data === "string") return Buffer.from(data, "base64");
    const path = entry[fileField];
    return typeof path === "string" ? readFileSync(resolve(base, path)) : undefined;
  };
  const cert = bytes("client-certificate-data", "client-certificate", user);
  const key = bytes("client-key-data", "client-key", user);
  if (!cert !== !key) throw new Error(`${where}: user ${userName} has a client certificate or key without the other`);
  return {
    server: new URL(cluster.server),
    ca: bytes("certificate-authority-data", "certificate-authority", cluster),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    cert,
    key,
    token,
  };
}

function userToken(user: Entry, base: string, where: string): KubeTarget["token"] {
  if (typeof user.token === "string") {
    const token = user.token;
    return async () => token;
  }
  const tokenFile = user.tokenFile ?? tokenFileProvider(user["auth-provider"], where);
  if (typeof tokenFile === "string") return fileToken(resolve(base, tokenFile));
  return async () => undefined;
}

/** The `auth-provider: {name: tokenFile, config: {tokenFile}}` form client-node's in-cluster config uses. */
function tokenFileProvider(provider: unknown, where: string): unknown {
  if (provider === undefined) return undefined;
  const name = isEntry(provider) ? provider.name : undefined;
  const config = isEntry(provider) && isEntry(provider.config) ? provider.config : {};
  if (name !== "tokenFile" || typeof config.tokenFile !== "string")
    throw new Error(`${where}: auth-provider ${String(name)} is not supported (only tokenFile)`);
  return config.tokenFile;
}

function refuseUnsupported(entry: Entry, supported: ReadonlySet<string>, where: string): void {
  const field = Object.keys(entry).find((key) => !supported.has(key));
  if (field !== undefined) throw new Error(`${where}: field ${field} is not supported`);
}

/** The `kind` mapping of the entry called `name` in the list `list` (e.g. contexts[].context). */
function named(config: Entry, list: string, kind: string, name: string, where: string): Entry {
  const entries = Array.isArray(config[list]) ? (config[list] as unknown[]) : [];
  const entry = entries.find((e) => isEntry(e) && e.name === name);
  if (!isEntry(entry)) throw new Error(`${where}: no ${kind} named ${JSON.stringify(name)}`);
  return isEntry(entry[kind]) ? entry[kind] : {};
}

function isEntry(value: unknown): value is Entry {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
