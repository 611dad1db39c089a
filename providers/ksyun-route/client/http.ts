// HTTP on node:http(s) itself, not an HTTP library: the client runs in the long-lived watcher and in every
// provider process, and axios alone adds ~20 MiB RSS to a Node process (Node's fetch as much) for one signed GET.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { CredentialSource } from "./credential-types.ts";
import { API_VERSION, baseUrl } from "./endpoints.ts";
import type { Service } from "./endpoints.ts";
import { KsyunApiError } from "./errors.ts";
import { encodeQuery } from "./query.ts";
import type { QueryParams } from "./query.ts";
import { readResponse, redact } from "./response.ts";
import type { ApiResponse } from "./response.ts";
import { signRequest } from "./signer.ts";

export type ApiRequest = {
  service: Service;
  action: string;
  params?: QueryParams;
  /** Extra unsigned headers, e.g. X-ProductTag-Source. */
  headers?: Record<string, string>;
};

export type TransportOptions = {
  region: string;
  endpoint?: string;
  credentials: CredentialSource;
  timeoutMs: number;
};

const USER_AGENT = "ksyun-route";

/** The status and text body of one GET; rejects with the transport's error (its code, e.g. ECONNRESET). */
function get(url: URL, headers: Record<string, string>, agent: HttpAgent, signal: AbortSignal) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    // node:http never follows redirects, which would carry the Authorization header to another host.
    const req = send(url, { method: "GET", headers, agent, signal }, (res) => {
      res.setEncoding("utf8");
      let body = "";
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Sends one signed GET per call over keep-alive agents. */
export class HttpTransport {
  readonly #options: TransportOptions;
  readonly #httpAgent = new HttpAgent({ keepAlive: true });
  readonly #httpsAgent = new HttpsAgent({ keepAlive: true });

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  async send(request: ApiRequest): Promise<ApiResponse> {
    const { region, endpoint, credentials: source, timeoutMs } = this.#options;
    const url = baseUrl(request.service, region, endpoint);
    const credentials = await source.get();
    const query = { ...request.params, Action: request.action, Version: API_VERSION };
    const signed = await signRequest({
      method: "GET",
      host: url.host,
      query,
      headers: { Accept: "application/json" },
      credentials,
      region,
      service: request.service,
    });
    const signature = /Signature=([0-9a-f]+)/.exec(signed.authorization ?? "")?.[1] ?? "";
    const secrets = [credentials.secretAccessKey, credentials.accessKeyId, credentials.securityToken ?? "", signature];
    // The token also goes in the unsigned X-Ksc-Security-Token, as the original controller's kophttp.go sends it.
    const token: Record<string, string> = credentials.securityToken
      ? { "X-Ksc-Security-Token": credentials.securityToken }
      : {};
    const signal = AbortSignal.timeout(timeoutMs);
    let response;
    try {
      response = await get(
        new URL(`/?${encodeQuery(query)}`, url),
        { ...signed, ...token, ...request.headers, "User-Agent": USER_AGENT },
        url.protocol === "https:" ? this.#httpsAgent : this.#httpAgent,
        signal,
      );
    } catch (error) {
      // Only the code and message go on: never an object that holds the signed headers.
      const cause = error as { code?: unknown; message?: unknown };
      throw new KsyunApiError({
        action: request.action,
        code: signal.aborted ? "RequestTimeout" : typeof cause.code === "string" ? cause.code : "NetworkError",
        serverMessage: signal.aborted ? `no response within ${timeoutMs} ms` : redact(String(cause.message), secrets),
      });
    }
    return readResponse(request.action, response.status, response.body, secrets);
  }

  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}
