/**
 * Test client: signs with @smithy/signature-v4 (an independent SigV4 implementation, so the emulator's
 * verifier is checked against a third party, not against itself) and sends with node:http.
 */
import { request } from "node:http";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

export interface Key {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The request as it will go on the wire; `tamper` may change it after signing. */
export interface WireRequest {
  method: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

export interface CallOptions {
  params: Record<string, string>;
  key: Key;
  method?: "GET" | "POST" | "PUT" | "DELETE";
  /** Send the parameters as a form body (sdk-go style) instead of the query string. */
  form?: boolean;
  /** Raw body to send and sign as is (e.g. the original controller's JSON body or `<nil>`). */
  body?: string;
  service?: string;
  region?: string;
  /** Host header to sign and send; default `127.0.0.1:<port>`. */
  host?: string;
  /** Extra headers, signed. */
  headers?: Record<string, string>;
  /** Headers left out of SignedHeaders. */
  unsignable?: string[];
  signingDate?: Date;
  /** Let the signer add X-Amz-Content-Sha256. */
  applyChecksum?: boolean;
  tamper?: (wire: WireRequest) => void;
}

export interface CallResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
  body: any;
}

export async function signedCall(baseUrl: string, options: CallOptions): Promise<CallResult> {
  const url = new URL(baseUrl);
  const encoded = new URLSearchParams(options.params).toString();
  const inBody = options.form === true;
  const body = options.body ?? (inBody ? encoded : "");
  const headers: Record<string, string> = {
    host: options.host ?? url.host,
    accept: "application/json",
    ...(inBody ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    ...options.headers,
  };
  const signer = new SignatureV4({
    service: options.service ?? "vpc",
    region: options.region ?? "cn-beijing-6",
    credentials: options.key,
    sha256: Hash.bind(null, "sha256"),
    applyChecksum: options.applyChecksum ?? false,
  });
  const signed = await signer.sign(
    {
      method: options.method ?? (inBody ? "POST" : "GET"),
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      query: inBody ? {} : options.params,
      headers,
      body,
    },
    { signingDate: options.signingDate, unsignableHeaders: new Set(options.unsignable ?? []) },
  );
  const wire: WireRequest = {
    method: signed.method,
    query: inBody ? "" : encoded,
    headers: { ...(signed.headers as Record<string, string>) },
    body,
  };
  options.tamper?.(wire);
  return send(url, wire);
}

/** Sends `wire` verbatim (no header normalisation beyond what node:http requires). */
export function send(url: URL, wire: WireRequest): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: wire.method,
        path: wire.query === "" ? "/" : `/?${wire.query}`,
        headers: { ...wire.headers, "content-length": String(Buffer.byteLength(wire.body)) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, body: text === "" ? undefined : JSON.parse(text) });
        });
      },
    );
    req.on("error", reject);
    req.end(wire.body);
  });
}

/** Unsigned JSON call to the control API. */
export async function control(baseUrl: string, method: string, path: string, body?: unknown): Promise<CallResult> {
  const res = await fetch(`${baseUrl}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}
