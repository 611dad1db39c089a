import { describe, expect, it } from "vitest";
import type { CallEvent } from "./api.ts";
import type { KsyunApiError } from "./errors.ts";
import { signRequest } from "./signer.ts";
import { apiError, startStubServer } from "./test-support/stub-server.ts";
import type { StubReply, StubRequest } from "./test-support/stub-server.ts";
import { TEST_CREDENTIALS, testClient } from "./test-support/test-client.ts";

/** Replays `replies` in order, then answers OK. */
function sequence(replies: StubReply[]): () => StubReply {
  let i = 0;
  return () => replies[i++] ?? { body: { RequestId: "ok", VpcSet: [] } };
}

/** Recomputes the signature from what arrived on the wire, as a verifying gateway would. */
async function expectValidSignature(request: StubRequest, service: "vpc" | "kec"): Promise<void> {
  const date = request.headers["x-amz-date"] as string;
  const signed = await signRequest({
    method: request.method,
    host: request.headers.host!,
    query: request.params,
    headers: { Accept: request.headers.accept! },
    credentials: TEST_CREDENTIALS,
    region: "cn-beijing-6",
    service,
    signingDate: new Date(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z")),
  });
  expect(request.headers.authorization).toBe(signed.authorization);
}

describe("KsyunClient wire format", () => {
  it("sends signed GETs with 1-based lists to the one override endpoint for VPC and KEC", async () => {
    const s = await startStubServer(() => ({ body: { RequestId: "r", RouteSet: [], InstancesSet: [] } }));
    const client = testClient(s.url);
    await client.describeRoutes({ routeIds: ["r1", "r2"], filters: [{ name: "route-type", values: ["Host"] }] });
    await client.describeInstances({ vpcId: "vpc-1", privateIpAddresses: ["10.0.0.5"], instanceIds: ["i-1"] });

    const [routes, instances] = s.requests;
    expect(routes!.method).toBe("GET");
    expect(routes!.headers.accept).toBe("application/json");
    expect(routes!.params).toEqual({
      Action: "DescribeRoutes",
      Version: "2016-03-04",
      "RouteId.1": "r1",
      "RouteId.2": "r2",
      "Filter.1.Name": "route-type",
      "Filter.1.Value.1": "Host",
    });
    expect(instances!.params).toMatchObject({
      Action: "DescribeInstances",
      "Filter.1.Name": "vpc-id",
      "Filter.1.Value.1": "vpc-1",
      "Filter.2.Name": "private-ip-address",
      "Filter.2.Value.1": "10.0.0.5",
      "Filter.3.Name": "instance-id",
      "Filter.3.Value.1": "i-1",
    });
    expect(routes!.headers.authorization).toContain("/cn-beijing-6/vpc/aws4_request,");
    expect(instances!.headers.authorization).toContain("/cn-beijing-6/kec/aws4_request,");
    await expectValidSignature(routes!, "vpc");
    await expectValidSignature(instances!, "kec");
    expect(routes!.headers["x-amz-security-token"]).toBe(TEST_CREDENTIALS.securityToken);
    expect(routes!.headers["x-ksc-security-token"]).toBe(TEST_CREDENTIALS.securityToken);
  });
});

describe("KsyunClient retries", () => {
  it.each<[string, StubReply[], number, string | undefined]>([
    ["throttled twice, then OK", [apiError(400, "Throttling"), apiError(429, "TooManyRequests")], 3, undefined],
    [
      "5xx on every attempt",
      [apiError(500, "INTERNAL_FAILURE"), apiError(503, "ServiceUnavailable"), apiError(500, "INTERNAL_FAILURE")],
      3,
      "transient",
    ],
    ["connection reset, then OK", ["reset"], 2, undefined],
    ["non-retryable error", [apiError(400, "InvalidParameterValue")], 1, "invalid-parameter"],
    ["auth error", [apiError(403, "SignatureDoesNotMatch")], 1, "auth"],
  ])("%s: %i requests", async (_name, replies, requests, kind) => {
    const s = await startStubServer(sequence(replies));
    const client = testClient(s.url);
    const result = await client.describeVpcs({ vpcIds: ["v"] }).catch((error: unknown) => error);
    expect(s.requests).toHaveLength(requests);
    if (kind === undefined) expect(result).toEqual({ vpcs: [] });
    else expect(result).toMatchObject({ name: "KsyunApiError", kind, action: "DescribeVpcs" });
  });

  it("gives up on a hanging server after timeoutMs per attempt", async () => {
    const s = await startStubServer(() => "hang");
    const client = testClient(s.url, { timeoutMs: 100, retry: { maxAttempts: 2 } });
    const error = await client.describeVpcs({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "RequestTimeout", kind: "transient", httpStatus: undefined });
    expect(s.requests).toHaveLength(2);
  });

  it("reports every attempt to onCall", async () => {
    const s = await startStubServer(sequence([apiError(400, "Throttling")]));
    const events: CallEvent[] = [];
    const client = testClient(s.url, { onCall: (event) => events.push(event) });
    await client.describeVpcs({});
    expect(events.map((e) => [e.action, (e.error as KsyunApiError | undefined)?.code])).toEqual([
      ["DescribeVpcs", "Throttling"],
      ["DescribeVpcs", undefined],
    ]);
    expect(events.every((e) => e.durationMs >= 0)).toBe(true);
  });

  it("turns an unparseable success into an UnexpectedResponse error", async () => {
    const s = await startStubServer(() => ({ body: { RouteSet: [{ RouteId: "r" }] } }));
    const client = testClient(s.url);
    await expect(client.describeRoutes({})).rejects.toMatchObject({
      code: "UnexpectedResponse",
      kind: "unknown",
      serverMessage: "RouteSet[0].VpcId is missing or not a string",
    });
  });
});
