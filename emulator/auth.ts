import { timingSafeEqual } from "node:crypto";
import {
  missingSecurityToken,
  securityTokenExpired,
  signatureMismatch,
  timeTooSkewed,
  unknownAccessKey,
} from "./errors.ts";
import { isRegion } from "./ids.ts";
import type { Pair } from "./params.ts";
import {
  ALGORITHM,
  canonicalHeaderValue,
  canonicalQuery,
  canonicalRequest,
  sha256Hex,
  signature,
  stringToSign,
} from "./sigv4.ts";
import type { Credential } from "./types.ts";

/** Replay window; KSYun's is unpublished, 15 minutes is the AWS value. */
const MAX_SKEW_MS = 15 * 60_000;

export interface SignedRequest {
  method: string;
  path: string;
  queryPairs: readonly Pair[];
  /** Lowercase header name → every received value, in order. */
  headers: ReadonlyMap<string, readonly string[]>;
  body: Buffer;
}

export interface Caller {
  accessKeyId: string;
  region: string;
  service: string;
}

const MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your Secret Access Key and signing method.";

/** Verifies a SigV4 `Authorization` header against the seeded credentials, over the client's own SignedHeaders. */
export function authenticate(req: SignedRequest, credentials: ReadonlyMap<string, Credential>, now: Date): Caller {
  const auth = parseAuthorization(single(req.headers, "authorization"));
  const [accessKeyId, scopeDate, region, service, terminator, ...extra] = auth.credential.split("/");
  if (!accessKeyId || !scopeDate || region === undefined || !service || terminator !== "aws4_request" || extra.length) {
    throw signatureMismatch(
      `Credential '${auth.credential}' must be <AccessKeyId>/<yyyymmdd>/<region>/<service>/aws4_request.`,
    );
  }
  const credential = credentials.get(accessKeyId);
  if (credential === undefined) throw unknownAccessKey(accessKeyId);
  if (!isRegion(region)) {
    throw signatureMismatch(`Credential should be scoped to a valid region, not '${region}'.`);
  }

  const signedHeaders = auth.signedHeaders.split(";");
  const sorted = [...new Set(signedHeaders)].sort();
  if (signedHeaders.join(";") !== sorted.join(";") || signedHeaders.some((h) => h !== h.toLowerCase() || h === "")) {
    throw signatureMismatch(`SignedHeaders '${auth.signedHeaders}' must be lowercase, sorted and unique.`);
  }
  for (const name of ["host", "x-amz-date"]) {
    if (!signedHeaders.includes(name)) throw signatureMismatch(`SignedHeaders must include '${name}'.`);
  }
  const canonicalHeaders = signedHeaders.map((name) => {
    const values = req.headers.get(name);
    if (values === undefined) throw signatureMismatch(`Signed header '${name}' is not present in the request.`);
    return [name, canonicalHeaderValue(values)] as const;
  });

  // The X-Amz-Date value goes into the string to sign verbatim (kingsoftcloud/sdk-node sends `…+00:00`).
  const amzDate = single(req.headers, "x-amz-date") ?? "";
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) throw signatureMismatch(`X-Amz-Date '${amzDate}' is not a valid timestamp.`);
  if (amzDate.slice(0, 8) !== scopeDate) {
    throw signatureMismatch(`Date in Credential scope '${scopeDate}' does not match X-Amz-Date '${amzDate}'.`);
  }
  if (Math.abs(now.getTime() - signedAt) > MAX_SKEW_MS) throw timeTooSkewed(amzDate);

  const payloadHash = sha256Hex(req.body);
  const declaredHash = req.headers.get("x-amz-content-sha256");
  if (declaredHash !== undefined && canonicalHeaderValue(declaredHash) !== payloadHash) {
    throw signatureMismatch("X-Amz-Content-Sha256 does not match the SHA-256 of the body received.");
  }

  const canonical = canonicalRequest({
    method: req.method,
    path: req.path,
    query: canonicalQuery(req.queryPairs),
    headers: canonicalHeaders,
    payloadHash,
  });
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const toSign = stringToSign(amzDate, scope, canonical);
  const expected = signature(credential.secretAccessKey, scopeDate, region, service, toSign);
  if (!timingSafeEqual(Buffer.from(expected, "hex"), Buffer.from(auth.signature, "hex"))) {
    throw signatureMismatch(`${MISMATCH} The canonical request was:\n${canonical}\nThe string to sign was:\n${toSign}`);
  }

  checkSecurityToken(req.headers, credential);
  return { accessKeyId, region, service };
}

interface Authorization {
  credential: string;
  signedHeaders: string;
  signature: string;
}

function parseAuthorization(header: string | undefined): Authorization {
  if (header === undefined) {
    throw signatureMismatch("The request has no Authorization header; the emulator accepts AWS4-HMAC-SHA256 only.");
  }
  const malformed = () => signatureMismatch(`Authorization header '${header}' is malformed.`);
  if (!header.startsWith(`${ALGORITHM} `)) throw malformed();
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) throw malformed();
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const sig = fields.get("Signature");
  if (credential === undefined || signedHeaders === undefined || sig === undefined || fields.size !== 3) {
    throw malformed();
  }
  if (!/^[0-9a-f]{64}$/.test(sig)) throw malformed();
  return { credential, signedHeaders, signature: sig };
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{2}:?\d{2})$/;

/** Lenient: `20240101T000000Z` and kingsoftcloud/sdk-node's `20240101T000000+00:00`. */
function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE.exec(text);
  if (!m) return undefined;
  const zone = m[7] === "Z" ? "Z" : `${m[7]?.slice(0, 3)}:${m[7]?.slice(-2)}`;
  const time = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`);
  return Number.isNaN(time) ? undefined : time;
}

/** Either token header, signed or not: which one KSYun wants is unknown. A stale token counts as expired. */
function checkSecurityToken(headers: ReadonlyMap<string, readonly string[]>, credential: Credential): void {
  if (credential.securityToken === undefined) return;
  const tokens = ["x-amz-security-token", "x-ksc-security-token"].flatMap((name) => headers.get(name) ?? []);
  if (tokens.length === 0) throw missingSecurityToken(credential.accessKeyId);
  if (tokens.some((token) => token.trim() !== credential.securityToken)) throw securityTokenExpired();
}

function single(headers: ReadonlyMap<string, readonly string[]>, name: string): string | undefined {
  const values = headers.get(name);
  if (values !== undefined && values.length > 1) throw signatureMismatch(`Header '${name}' is given more than once.`);
  return values?.[0];
}
