// A TLS proxy in front of the test API server that can make it answer errors, for tests of what the program and the
// watcher do when the API server misbehaves. It serves the API server's own certificate, so a kubeconfig that goes
// through it differs only in its server address.
import { readFile, writeFile } from "node:fs/promises";
import { STATUS_CODES } from "node:http";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { KubeEnv } from "./kube.ts";

/** metav1.StatusReason of the codes tests inject. */
const STATUS_REASONS: Record<number, string> = {
  403: "Forbidden",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

export interface KubeProxy {
  readonly server: string;
  /** A copy of `kubeconfigPath` whose clusters go through the proxy. */
  kubeconfig(kubeconfigPath: string): Promise<string>;
  /** From now on requests whose path matches get `code` and a Status body; `fail(undefined)` passes all again. */
  fail(path: RegExp | undefined, code?: number): void;
  /** Requests answered with an injected error so far. */
  readonly injected: number;
  close(): Promise<void>;
}

export async function startKubeProxy(kube: KubeEnv): Promise<KubeProxy> {
  const pki = join(kube.dir, "pki");
  const [cert, key] = await Promise.all([readFile(join(pki, "apiserver.crt")), readFile(join(pki, "apiserver.key"))]);
  const upstream = new URL(kube.server);
  let failing: { path: RegExp; code: number } | undefined;
  let injected = 0;

  const server = createServer({ cert, key }, (req, res) => {
    if (failing?.path.test(req.url ?? "")) {
      injected++;
      req.resume();
      const { code } = failing;
      const status = { kind: "Status", apiVersion: "v1", status: "Failure", code, reason: STATUS_REASONS[code] };
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...status, message: `${STATUS_CODES[code]} (injected by the test proxy)` }));
      return;
    }
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        ca: cert,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    res.on("close", () => forwarded.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxied = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    server: proxied,
    async kubeconfig(kubeconfigPath) {
      // The test kubeconfigs are JSON (see kube.ts).
      const config = JSON.parse(await readFile(kubeconfigPath, "utf8")) as {
        clusters: { cluster: { server: string } }[];
      };
      for (const { cluster } of config.clusters) cluster.server = proxied;
      const path = kubeconfigPath.replace(/(\.kubeconfig)?$/, ".proxied.kubeconfig");
      await writeFile(path, JSON.stringify(config));
      return path;
    },
    fail(path, code = 500) {
      failing = path && { path, code };
    },
    get injected() {
      return injected;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
