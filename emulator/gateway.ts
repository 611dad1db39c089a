import type { Caller } from "./auth.ts";
import { signatureMismatch } from "./errors.ts";

const KSYUN_HOST = /^(?:(vpc|kec)(?:\.([a-z0-9-]+))?|internal)\.api\.ksyun\.com(?::\d+)?$/i;

/**
 * The service a request is addressed to: the host prefix of a real KSYun host (`vpc.`/`kec.`, also
 * regional), else a `Service` parameter, else the credential scope. The scope must agree, as the gateway derives
 * the signing key from the service it routes to; a regional host must also match the scope's region.
 */
export function addressedService(host: string | undefined, serviceParam: string | undefined, caller: Caller) {
  const match = host === undefined ? null : KSYUN_HOST.exec(host);
  const hostService = match?.[1]?.toLowerCase();
  const hostRegion = match?.[2]?.toLowerCase();
  if (hostRegion !== undefined && hostRegion !== caller.region) {
    throw signatureMismatch(`Credential should be scoped to a valid region, not '${caller.region}'.`);
  }
  const service = hostService ?? serviceParam?.toLowerCase() ?? caller.service;
  if (service !== caller.service)
    throw signatureMismatch(`Credential should be scoped to correct service: '${service}'.`);
  return service;
}
