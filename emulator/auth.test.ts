import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalQuery, canonicalRequest, sha256Hex, signature, stringToSign } from "./sigv4.ts";
import { emulator, KEY, NODE1, STS_KEY, VPC } from "./test-support/fixture.ts";
import { send } from "./test-support/signed-call.ts";

const vectors = JSON.parse(readFileSync(new URL("./testdata/signing-vectors.json", import.meta.url), "utf8"));
const DESCRIBE_VPCS = { Action: "DescribeVpcs", Version: "2016-03-04" };
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

function expectError(result: { status: number; body: { Error?: { Code?: string } } }, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.body.Error?.Code).toBe(code);
}

describe("signing vectors through the server", () => {
  it("accepts vector D verbatim (global host), then vector B (regional host) sees the route", async () => {
    const emu = await emulator({ now: () => new Date("2024-01-01T00:00:00Z") });
    const replay = (v: {
      query_params: Array<[string, string]>;
      headers: Record<string, string>;
      expected_authorization: string;
    }) =>
      send(new URL(emu.url), {
        method: "GET",
        query: v.query_params.map(([k, val]) => `${k}=${encodeURIComponent(val)}`).join("&"),
        headers: { ...v.headers, Authorization: v.expected_authorization },
        body: "",
      });
    const created = await replay(vectors.D_sigv4_create_route_constructed);
    expect(created.status).toBe(200);
    const listed = await replay(vectors.B_sigv4_describe_routes_constructed);
    expect(listed.status).toBe(200);
    expect(listed.body.RouteSet).toEqual([
      expect.objectContaining({
        RouteId: created.body.RouteId,
        VpcId: VPC,
        DestinationCidrBlock: "10.244.3.0/24",
        NextHopSet: [{ GatewayId: NODE1, GatewayName: "k8s-node-3" }],
      }),
    ]);
  });
});

describe("SigV4 verification", () => {
  it("accepts a correctly signed GET and a POST form (sdk-go style, Action only in the body)", async () => {
    const emu = await emulator();
    expect((await emu.call(DESCRIBE_VPCS)).status).toBe(200);
    const post = await emu.call(DESCRIBE_VPCS, { form: true });
    expect(post.status).toBe(200);
    expect(post.body.VpcSet.length).toBe(3);
  });

  it("rejects a request without signature", async () => {
    const emu = await emulator();
    const result = await emu.call(DESCRIBE_VPCS, { tamper: (wire) => delete wire.headers["authorization"] });
    expectError(result, 403, "SignatureDoesNotMatch");
  });

  it("rejects a wrong secret and an unknown access key", async () => {
    const emu = await emulator();
    expectError(
      await emu.call(DESCRIBE_VPCS, { key: { ...KEY, secretAccessKey: "wrong" } }),
      403,
      "SignatureDoesNotMatch",
    );
    expectError(
      await emu.call(DESCRIBE_VPCS, { key: { ...KEY, accessKeyId: "AKLTnobody" } }),
      403,
      "InvalidAccessKeyId",
    );
  });

  it("rejects a scope for the wrong service or region of a real KSYun host", async () => {
    const emu = await emulator();
    const kecScope = await emu.call(DESCRIBE_VPCS, { service: "kec", host: "vpc.api.ksyun.com" });
    expectError(kecScope, 403, "SignatureDoesNotMatch");
    expect(kecScope.body.Error.Message).toContain("correct service: 'vpc'");
    const farScope = await emu.call(DESCRIBE_VPCS, { region: "cn-shanghai-2", host: "vpc.cn-beijing-6.api.ksyun.com" });
    expectError(farScope, 403, "SignatureDoesNotMatch");
    const serviceParam = await emu.call({ ...DESCRIBE_VPCS, Service: "vpc" }, { service: "iam" });
    expectError(serviceParam, 403, "SignatureDoesNotMatch");
  });

  it("routes by the scope service on a non-KSYun host: a VPC action signed for kec is unknown", async () => {
    const emu = await emulator();
    expectError(await emu.call(DESCRIBE_VPCS, { service: "kec" }), 404, "INVALID_ACTION");
  });

  it("rejects an empty region in the scope (original controller without region)", async () => {
    const emu = await emulator();
    expectError(await emu.call(DESCRIBE_VPCS, { region: "" }), 403, "SignatureDoesNotMatch");
  });

  it("rejects a date more than 15 minutes off and accepts one within", async () => {
    const emu = await emulator();
    expectError(await emu.call(DESCRIBE_VPCS, { signingDate: minutesAgo(16) }), 403, "RequestTimeTooSkewed");
    expectError(await emu.call(DESCRIBE_VPCS, { signingDate: minutesAgo(-16) }), 403, "RequestTimeTooSkewed");
    expect((await emu.call(DESCRIBE_VPCS, { signingDate: minutesAgo(14) })).status).toBe(200);
  });

  it("rejects a scope date that differs from X-Amz-Date", async () => {
    const emu = await emulator();
    const result = await emu.call(DESCRIBE_VPCS, {
      tamper: (wire) => {
        wire.headers["authorization"] = (wire.headers["authorization"] ?? "").replace(/\/\d{8}\//, "/20200101/");
      },
    });
    expectError(result, 403, "SignatureDoesNotMatch");
    expect(result.body.Error.Message).toContain("does not match X-Amz-Date");
  });

  it("rejects a tampered query", async () => {
    const emu = await emulator();
    const result = await emu.call(
      { ...DESCRIBE_VPCS, MaxResults: "5" },
      { tamper: (wire) => (wire.query = wire.query.replace("MaxResults=5", "MaxResults=6")) },
    );
    expectError(result, 403, "SignatureDoesNotMatch");
    expect(result.body.Error.Message).toContain("MaxResults=6");
  });

  it("rejects a tampered POST form body", async () => {
    const emu = await emulator();
    const result = await emu.call(
      { ...DESCRIBE_VPCS, MaxResults: "5" },
      { form: true, tamper: (wire) => (wire.body = wire.body.replace("MaxResults=5", "MaxResults=6")) },
    );
    expectError(result, 403, "SignatureDoesNotMatch");
  });

  it("requires host and x-amz-date among SignedHeaders", async () => {
    const emu = await emulator();
    const result = await emu.call(DESCRIBE_VPCS, { unsignable: ["host"] });
    expectError(result, 403, "SignatureDoesNotMatch");
    expect(result.body.Error.Message).toContain("'host'");
  });

  it("rejects a signed header that is missing from the request", async () => {
    const emu = await emulator();
    const result = await emu.call(DESCRIBE_VPCS, { tamper: (wire) => delete wire.headers["accept"] });
    expectError(result, 403, "SignatureDoesNotMatch");
    expect(result.body.Error.Message).toContain("'accept'");
  });

  it("checks X-Amz-Content-Sha256 against the body received", async () => {
    const emu = await emulator();
    expect((await emu.call(DESCRIBE_VPCS, { form: true, applyChecksum: true })).status).toBe(200);
    const result = await emu.call(DESCRIBE_VPCS, {
      form: true,
      applyChecksum: true,
      tamper: (wire) => (wire.body += "&Extra=1"),
    });
    expectError(result, 403, "SignatureDoesNotMatch");
    expect(result.body.Error.Message).toContain("X-Amz-Content-Sha256");
  });

  it("decodes '+' in the query as a space, as Go clients send it", async () => {
    const emu = await emulator();
    const params = {
      Action: "DescribeRoutes",
      Version: "2016-03-04",
      "Filter.1.Name": "route-type",
      "Filter.1.Value.1": "a b",
    };
    const result = await emu.call(params, { tamper: (wire) => expect(wire.query).toContain("a+b") });
    expect(result.status).toBe(200);
  });

  it("hashes the body actually received: GET with the signed body '<nil>' (original controller)", async () => {
    const emu = await emulator();
    const result = await emu.call(DESCRIBE_VPCS, { body: "<nil>", headers: { "content-type": "application/json" } });
    expect(result.status).toBe(200);
  });

  it("accepts sdk-node's X-Amz-Date form 20240101T000000+00:00 used verbatim", async () => {
    const emu = await emulator({ now: () => new Date("2024-01-01T00:05:00Z") });
    const amzDate = "20240101T000000+00:00";
    const host = new URL(emu.url).host;
    const pairs: Array<[string, string]> = Object.entries(DESCRIBE_VPCS);
    const canonical = canonicalRequest({
      method: "GET",
      path: "/",
      query: canonicalQuery(pairs),
      headers: [
        ["host", host],
        ["x-amz-date", amzDate],
      ],
      payloadHash: sha256Hex(""),
    });
    const scope = `20240101/cn-beijing-6/vpc/aws4_request`;
    const sig = signature(
      KEY.secretAccessKey,
      "20240101",
      "cn-beijing-6",
      "vpc",
      stringToSign(amzDate, scope, canonical),
    );
    const result = await send(new URL(emu.url), {
      method: "GET",
      query: new URLSearchParams(DESCRIBE_VPCS).toString(),
      headers: {
        host,
        accept: "application/json",
        "x-amz-date": amzDate,
        authorization: `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/${scope}, SignedHeaders=host;x-amz-date, Signature=${sig}`,
      },
      body: "",
    });
    expect(result.status).toBe(200);
  });

  it("insists on JSON: Accept: application/json or Format=json", async () => {
    const emu = await emulator();
    const noAccept = await emu.call(DESCRIBE_VPCS, { headers: { accept: "*/*" } });
    expectError(noAccept, 400, "InvalidParameterValue");
    expect((await emu.call({ ...DESCRIBE_VPCS, Format: "json" }, { headers: { accept: "*/*" } })).status).toBe(200);
    expectError(await emu.call({ ...DESCRIBE_VPCS, Format: "XML" }), 400, "InvalidParameterValue");
  });
});

describe("STS security token", () => {
  it("accepts the signed X-Amz-Security-Token and the unsigned X-Ksc-Security-Token", async () => {
    const emu = await emulator();
    expect((await emu.call(DESCRIBE_VPCS, { key: STS_KEY })).status).toBe(200);
    const { sessionToken, ...permanent } = STS_KEY;
    const ksc = await emu.call(DESCRIBE_VPCS, {
      key: permanent,
      tamper: (wire) => (wire.headers["X-Ksc-Security-Token"] = sessionToken ?? ""),
    });
    expect(ksc.status).toBe(200);
  });

  it("rejects a missing token and treats a different one as expired", async () => {
    const emu = await emulator();
    const { sessionToken: _token, ...permanent } = STS_KEY;
    expectError(await emu.call(DESCRIBE_VPCS, { key: permanent }), 403, "InvalidAccessKeyId");
    expectError(
      await emu.call(DESCRIBE_VPCS, { key: { ...STS_KEY, sessionToken: "old" } }),
      400,
      "SecurityTokenExpired",
    );
  });
});
