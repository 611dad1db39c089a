import { REGION } from "../ids.ts";

export type Service = "vpc" | "kec";

/** Both services use this API version (KscSDK/ksc-sdk-go service/vpc/service.go; sdk-go kec/v20160304). */
export const API_VERSION = "2016-03-04";

export function assertRegion(region: string): void {
  // An empty region gives a malformed SigV4 scope (a bug of the original controller).
  if (!REGION.test(region)) throw new Error(`invalid KSYun region "${region}" (expected e.g. cn-beijing-6)`);
}

/**
 * Without an override each service has its regional host. An override (the in-cloud gateway
 * http://internal.api.ksyun.com, or an emulator) serves both services; the gateway tells them
 * apart by the SigV4 credential scope (`…/<region>/vpc/aws4_request`) and the Action.
 */
export function baseUrl(service: Service, region: string, endpoint?: string): URL {
  const url = new URL(endpoint ?? `https://${service}.${region}.api.ksyun.com`);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`endpoint must be http or https: ${url.origin}`);
  // Requests always go to "/"; a path or query here would be ignored by the signer and the server.
  if (url.pathname !== "/" || url.search || url.username)
    throw new Error(`endpoint must be a bare origin: ${url.origin}`);
  return url;
}
