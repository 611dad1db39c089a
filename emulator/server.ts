import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { ApiDeps } from "./api.ts";
import { handleApi } from "./api.ts";
import type { ControlDeps } from "./control.ts";
import { handleControl } from "./control.ts";
import { errorBody, internalFailure } from "./errors.ts";

export interface ServerDeps {
  api: ApiDeps;
  control: ControlDeps;
  /** Added to every API answer (`--latency-ms`). */
  latencyMs: number;
}

export function requestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      respond(req, res, Buffer.concat(chunks), deps).catch((error: unknown) => {
        console.error("emulator: request failed", error);
        if (!res.headersSent) send(res, 500, errorBody("", internalFailure()));
      });
    });
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, body: Buffer, deps: ServerDeps): Promise<void> {
  const url = req.url ?? "/";
  const method = req.method ?? "GET";
  if (url === "/_emulator" || url.startsWith("/_emulator/")) {
    const result = handleControl(method, url, body, req.socket.remoteAddress, deps.control);
    send(res, result.status, result.body);
    return;
  }
  const result = handleApi({ method, url, headers: headerMap(req.rawHeaders), body }, deps.api);
  const delay = deps.latencyMs + result.latencyMs;
  if (delay > 0) await sleep(delay);
  if (result.reset) {
    req.socket.resetAndDestroy();
    return;
  }
  send(res, result.status, result.body);
}

/** Lowercase name → every value in arrival order; SigV4 needs duplicates, which `req.headers` merges or drops. */
function headerMap(rawHeaders: readonly string[]): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? "").toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), rawHeaders[i + 1] ?? ""]);
  }
  return headers;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}
