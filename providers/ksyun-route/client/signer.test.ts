import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encodeQuery } from "./query.ts";
import { signRequest } from "./signer.ts";

type Vector = {
  method: string;
  query_params: [string, string][];
  headers: { Host: string; "X-Amz-Date": string; Accept: string };
  access_key: string;
  secret_key: string;
  region: string;
  service: "vpc";
  canonical_request: string;
  expected_authorization: string;
};

const vectors = JSON.parse(readFileSync(new URL("./testdata/signing-vectors.json", import.meta.url), "utf8")) as Record<
  string,
  Vector
>;

function amzDate(value: string): Date {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  if (!m) throw new Error(`bad X-Amz-Date ${value}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

describe("signRequest", () => {
  it.each(["B_sigv4_describe_routes_constructed", "D_sigv4_create_route_constructed"])(
    "reproduces vector %s",
    async (name) => {
      const v = vectors[name]!;
      const query = Object.fromEntries(v.query_params);
      const headers = await signRequest({
        method: v.method,
        host: v.headers.Host,
        query,
        headers: { Accept: v.headers.Accept },
        credentials: { accessKeyId: v.access_key, secretAccessKey: v.secret_key },
        region: v.region,
        service: v.service,
        signingDate: amzDate(v.headers["X-Amz-Date"]),
      });
      // Canonical request line 3 is the canonical query; the client sends exactly that string on the wire.
      expect(encodeQuery(query)).toBe(v.canonical_request.split("\n")[2]);
      expect(headers["x-amz-date"]).toBe(v.headers["X-Amz-Date"]);
      // The signature covers the whole canonical request, so equality proves it matched too.
      expect(headers.authorization).toBe(v.expected_authorization);
    },
  );

  it("signs the STS token as X-Amz-Security-Token and uses the service in the scope", async () => {
    const headers = await signRequest({
      method: "GET",
      host: "internal.api.ksyun.com",
      query: { Action: "DescribeInstances", Version: "2016-03-04" },
      headers: { Accept: "application/json" },
      credentials: { accessKeyId: "AK", secretAccessKey: "SK", securityToken: "TOKEN" },
      region: "cn-shanghai-2",
      service: "kec",
      signingDate: new Date("2024-01-01T00:00:00Z"),
    });
    expect(headers["x-amz-security-token"]).toBe("TOKEN");
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AK\/20240101\/cn-shanghai-2\/kec\/aws4_request, SignedHeaders=accept;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });
});
