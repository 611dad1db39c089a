import { onTestFinished } from "vitest";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type StubRequest = {
  method: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
};

/** A JSON reply, `reset` (destroy the connection without answering) or `hang` (never answer). */
export type StubReply = { status?: number; body: unknown } | "reset" | "hang";

export type StubServer = {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
};

/** Throwaway KSYun-like server on 127.0.0.1 for client tests; `handle` sees each request in order. */
/** Inside a test only: the server closes when the test finishes. */
export async function startStubServer(handle: (request: StubRequest) => StubReply): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res: ServerResponse) => {
    const query = new URL(req.url ?? "/", "http://stub").searchParams;
    const request = { method: req.method ?? "", params: Object.fromEntries(query), headers: req.headers };
    requests.push(request);
    const reply = handle(request);
    if (reply === "reset") return req.socket.destroy();
    if (reply === "hang") return;
    res.writeHead(reply.status ?? 200, { "content-type": "application/json" });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  onTestFinished(close);
  return { url: `http://127.0.0.1:${port}`, requests, close };
}

export function apiError(status: number, code: string, message = code): StubReply {
  return { status, body: { RequestId: "req-1", Error: { Type: "Sender", Code: code, Message: message } } };
}
