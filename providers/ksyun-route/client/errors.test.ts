import { describe, expect, it } from "vitest";
import { KsyunApiError, isRetryable } from "./errors.ts";
import type { ErrorKind } from "./errors.ts";

describe("KsyunApiError", () => {
  it.each<[number | undefined, string, string, ErrorKind]>([
    [undefined, "ECONNRESET", "socket hang up", "transient"],
    [undefined, "RequestTimeout", "no response within 10 ms", "transient"],
    [400, "Throttling", "Rate exceeded", "throttled"],
    [429, "TooManyRequests", "", "throttled"],
    [503, "RequestLimitExceeded", "", "throttled"],
    [509, "BandwidthLimitExceeded", "", "throttled"],
    [500, "INTERNAL_FAILURE", "", "transient"],
    [502, "HTTP502", "non-JSON body: <html>", "transient"],
    [503, "ServiceUnavailable", "", "transient"],
    [400, "RequestTimeoutException", "", "transient"],
    [400, "InvalidParameter.RouteDuplicate", "the destination is same with a route", "duplicate-destination"],
    [400, "Route.Conflict", "cidr 10.244.3.0/24 is same with a route in this vpc", "duplicate-destination"],
    [400, "QuotaExceeded", "route quota exceeded", "quota"],
    [403, "RouteLimitExceeded", "", "quota"],
    [403, "SignatureDoesNotMatch", "", "auth"],
    [403, "InvalidAccessKeyId", "", "auth"],
    [403, "InvalidAuthenticationCode", "lack of policy to [vpc:createroute] the resources[]", "auth"],
    [400, "SecurityTokenExpired", "", "auth"],
    [400, "RequestTimeTooSkewed", "", "auth"],
    [400, "InvalidRoute.NotFound", "", "not-found"],
    [400, "InstanceNotFound", "", "not-found"],
    [404, "NoSuchThing", "", "not-found"],
    [400, "Instance.Error", "实例不存在", "not-found"],
    [400, "InternalParamError", "route 1234 not exist", "not-found"],
    [404, "INVALID_ACTION", "Not Found", "invalid-parameter"],
    [400, "InvalidParameterValue", "bad cidr", "invalid-parameter"],
    [400, "MissingParameter", "VpcId", "invalid-parameter"],
    [412, "DryRunOperation", "", "unknown"],
    [200, "UnexpectedResponse", "", "unknown"],
  ])("HTTP %s %s %j is %s", (httpStatus, code, serverMessage, kind) => {
    const error = new KsyunApiError({ action: "CreateRoute", code, serverMessage, httpStatus });
    expect(error.kind).toBe(kind);
    expect(isRetryable(error)).toBe(kind === "throttled" || kind === "transient");
  });

  it("names the action, code and status in its message and keeps an explicit kind", () => {
    const error = new KsyunApiError({
      action: "DescribeVpcs",
      code: "VpcNotFound",
      serverMessage: "VPC v does not exist",
      httpStatus: 200,
      requestId: "r-1",
      kind: "not-found",
    });
    expect(error.message).toBe(
      "KSYun DescribeVpcs failed: VpcNotFound: VPC v does not exist (HTTP 200, RequestId r-1)",
    );
    expect(error.kind).toBe("not-found");
    expect(isRetryable(new Error("plain"))).toBe(false);
  });
});
