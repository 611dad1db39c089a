import { describe, expect, it } from "vitest";
import { assertRegion, baseUrl } from "./endpoints.ts";

describe("endpoints", () => {
  it.each([
    ["vpc", undefined, "https://vpc.cn-beijing-6.api.ksyun.com"],
    ["kec", undefined, "https://kec.cn-beijing-6.api.ksyun.com"],
    ["vpc", "http://internal.api.ksyun.com", "http://internal.api.ksyun.com"],
    ["kec", "http://internal.api.ksyun.com/", "http://internal.api.ksyun.com"],
    ["kec", "http://127.0.0.1:8080", "http://127.0.0.1:8080"],
  ] as const)("%s with endpoint %s goes to %s", (service, endpoint, origin) => {
    expect(baseUrl(service, "cn-beijing-6", endpoint).origin).toBe(origin);
  });

  it.each(["ftp://host", "http://host/v1", "http://host/?a=1", "http://user:pw@host"])(
    "rejects endpoint %s",
    (endpoint) => {
      expect(() => baseUrl("vpc", "cn-beijing-6", endpoint)).toThrow(/endpoint must be/);
    },
  );

  it.each(["", "beijing", "cn-beijing-6a"])("rejects region %j", (region) => {
    expect(() => assertRegion(region)).toThrow(/invalid KSYun region/);
  });
});
