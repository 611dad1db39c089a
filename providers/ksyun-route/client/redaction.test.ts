import { Writable } from "node:stream";
import { inspect } from "node:util";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { startStubServer } from "./test-support/stub-server.ts";
import type { StubReply, StubRequest, StubServer } from "./test-support/stub-server.ts";
import { TEST_CREDENTIALS, testClient } from "./test-support/test-client.ts";

/** A hostile gateway that echoes everything secret it received into its error message. */
function echoSecrets({ headers }: StubRequest): StubReply {
  const echoed = [headers.authorization, headers["x-ksc-security-token"], headers["x-amz-security-token"]].join(" | ");
  return { status: 403, body: { RequestId: "q", Error: { Code: "SignatureDoesNotMatch", Message: `got ${echoed}` } } };
}

function serializations(error: unknown): string[] {
  return [
    JSON.stringify(error),
    inspect(error, { depth: Infinity, showHidden: true }),
    String(error),
    (error as Error).stack ?? "",
  ];
}

function secretsSeenBy(s: StubServer): string[] {
  const signatures = s.requests.map((r) => /Signature=([0-9a-f]{64})/.exec(r.headers.authorization ?? "")?.[1] ?? "");
  expect(signatures.every((sig) => sig.length === 64)).toBe(true);
  return [
    TEST_CREDENTIALS.secretAccessKey,
    TEST_CREDENTIALS.securityToken,
    TEST_CREDENTIALS.accessKeyId,
    ...signatures,
  ];
}

describe("secrets never leak", () => {
  it.each<[string, (r: StubRequest) => StubReply]>([
    ["an error body that echoes the request's secrets", echoSecrets],
    ["a connection reset (AxiosError path)", () => "reset"],
    ["a timeout", () => "hang"],
  ])("through errors and logs after %s", async (_name, handle) => {
    const server = await startStubServer(handle);
    const lines: string[] = [];
    const logger = pino(
      { level: "debug" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const client = testClient(server.url, { logger, timeoutMs: 200, retry: { maxAttempts: 2 } });
    const error = await client.describeRoutes({ routeIds: ["r"] }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "KsyunApiError", action: "DescribeRoutes" });
    for (const key of ["config", "request", "response", "cause"]) expect(error).not.toHaveProperty(key);
    const texts = [...serializations(error), ...lines];
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of secretsSeenBy(server)) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
  });

  it("still reports what the server said, minus the secrets", async () => {
    const server = await startStubServer(echoSecrets);
    const client = testClient(server.url, { retry: { maxAttempts: 1 } });
    const error = await client.describeVpcs({}).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^KSYun DescribeVpcs failed: SignatureDoesNotMatch: got AWS4-HMAC-SHA256 Credential=\[REDACTED\]\/\d{8}\/cn-beijing-6\/vpc\/aws4_request, SignedHeaders=accept;host;x-amz-date;x-amz-security-token, Signature=\[REDACTED\] \| \[REDACTED\] \| \[REDACTED\] \(HTTP 403, RequestId q\)$/,
    );
  });
});
