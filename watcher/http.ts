// /healthz (the process serves), /readyz (caught up, see main.ts) and /metrics (Prometheus text format).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface Probes {
  readonly ready: () => boolean;
  readonly registry: Registry;
}

export async function serveHttp(
  port: number,
  bindAddress: string | undefined,
  probes: Probes,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type }).end(body);
    };
    if (req.method !== "GET") return send(405, "method not allowed\n");
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz") return probes.ready() ? send(200, "ok\n") : send(503, "not ready\n");
    if (path === "/metrics") {
      probes.registry.metrics().then(
        (text) => send(200, text, probes.registry.contentType),
        (error: unknown) => send(500, `${String(error)}\n`),
      );
      return;
    }
    send(404, "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, bindAddress, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
