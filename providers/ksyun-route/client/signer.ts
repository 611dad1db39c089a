import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Credentials } from "./credential-types.ts";
import type { QueryParams } from "./query.ts";

export type SignInput = {
  method: string;
  /** Host header value, with the port when it is not the scheme's default. */
  host: string;
  query: QueryParams;
  /** Headers to sign besides host and x-amz-date (the client signs only `Accept`, like vectors B and D). */
  headers: Record<string, string>;
  credentials: Credentials;
  region: string;
  service: "vpc" | "kec";
  signingDate?: Date;
};

/** Returns the signed headers (lower-case names): host, x-amz-date, authorization, x-amz-security-token, and the input headers. */
export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const { credentials } = input;
  const signer = new SignatureV4({
    service: input.service,
    region: input.region,
    sha256: Hash.bind(null, "sha256"),
    // KSYun vpc/kec do not use X-Amz-Content-Sha256.
    applyChecksum: false,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.securityToken ? { sessionToken: credentials.securityToken } : {}),
    },
  });
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: "https:",
      hostname: input.host,
      path: "/",
      query: input.query,
      headers: { ...input.headers, host: input.host },
    },
    input.signingDate ? { signingDate: input.signingDate } : {},
  );
  return signed.headers;
}
