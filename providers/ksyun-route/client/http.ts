import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import axios from "axios";
import type { AxiosInstance } from "axios";
import type { CredentialSource } from "./credentials.ts";
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

/** Sends one signed GET per call; one axios instance with keep-alive agents per base URL. */
export class HttpTransport {
  readonly #options: TransportOptions;
  readonly #instances = new Map<string, AxiosInstance>();
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
    // Like the original, the token also goes in the unsigned X-Ksc-Security-Token (spec §10.3).
    const token = credentials.securityToken ? { "X-Ksc-Security-Token": credentials.securityToken } : {};
    const signal = AbortSignal.timeout(timeoutMs);
    let response;
    try {
      response = await this.#instance(url).request<string>({
        method: "GET",
        url: `/?${encodeQuery(query)}`,
        headers: { ...signed, ...token, ...request.headers, "User-Agent": USER_AGENT },
        signal,
      });
    } catch (error) {
      // Never rethrow the AxiosError: its config holds the signed headers.
      const cause = error as { code?: unknown; message?: unknown };
      throw new KsyunApiError({
        action: request.action,
        code: signal.aborted ? "RequestTimeout" : typeof cause.code === "string" ? cause.code : "NetworkError",
        serverMessage: signal.aborted ? `no response within ${timeoutMs} ms` : redact(String(cause.message), secrets),
      });
    }
    return readResponse(request.action, response.status, response.data, secrets);
  }

  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  #instance(url: URL): AxiosInstance {
    let instance = this.#instances.get(url.origin);
    if (!instance) {
      instance = axios.create({
        baseURL: url.origin,
        httpAgent: this.#httpAgent,
        httpsAgent: this.#httpsAgent,
        // A redirect would carry the Authorization header to another host.
        maxRedirects: 0,
        responseType: "text",
        validateStatus: () => true,
      });
      this.#instances.set(url.origin, instance);
    }
    return instance;
  }
}
