/**
 * AWS Signature V4 building blocks (KSYun uses the AWS algorithm unchanged), written by hand on purpose: signer
 * libraries such as @smithy/signature-v4 only sign outgoing requests — they pick the headers to sign and hash the
 * body they are handed. A verifier must rebuild the canonical request from exactly the client's declared
 * SignedHeaders and the bytes actually received, which no signer exposes. Proven against vectors B and D in
 * sigv4.test.ts.
 */
import { createHash, createHmac } from "node:crypto";
import type { Pair } from "./params.ts";

export const ALGORITHM = "AWS4-HMAC-SHA256";

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

const UNRESERVED = new Set(Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"));

/**
 * RFC 3986 encoding: every UTF-8 byte outside `A-Za-z0-9-_.~` becomes %XX (space → %20, `/` → %2F, `*` → %2A).
 * Byte by byte over an explicit set, not the client's encodeURIComponent-and-patch, so the two check each other.
 */
export function uriEncode(text: string): string {
  let encoded = "";
  for (const byte of Buffer.from(text, "utf8")) {
    encoded += UNRESERVED.has(byte)
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

/** Encoded `k=v` pairs sorted by key, then value, joined with `&`. */
export function canonicalQuery(pairs: readonly Pair[]): string {
  return pairs
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([k1, v1], [k2, v2]) => (k1 === k2 ? compare(v1, v2) : compare(k1, k2)))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One canonical header value: each occurrence trimmed with inner whitespace collapsed, joined by commas. */
export function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((value) => value.trim().replace(/\s+/g, " ")).join(",");
}

export interface CanonicalRequestParts {
  method: string;
  path: string;
  query: string;
  /** Lowercase names in SignedHeaders order, with canonical values. */
  headers: ReadonlyArray<readonly [string, string]>;
  payloadHash: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  const headerLines = parts.headers.map(([name, value]) => `${name}:${value}\n`).join("");
  const signedHeaders = parts.headers.map(([name]) => name).join(";");
  return [parts.method, parts.path, parts.query, headerLines, signedHeaders, parts.payloadHash].join("\n");
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");
}

export function signature(secret: string, scopeDate: string, region: string, service: string, toSign: string) {
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, scopeDate), region), service), "aws4_request");
  return createHmac("sha256", key).update(toSign).digest("hex");
}
