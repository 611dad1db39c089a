import { describe, expect, it } from "vitest";
import { errorSummary, routeTargets } from "./stack-runner.ts";

describe("routeTargets", () => {
  it("targets the VpcRoutes and the StackReference of the stack, by its short name", () => {
    const expected = [
      "urn:pulumi:prod::ksyun-route::pulumi-nodejs:dynamic/ksyun:VpcRoute::*",
      "urn:pulumi:prod::ksyun-route::pulumi:pulumi:StackReference::*",
    ];
    expect(routeTargets("prod", "ksyun-route")).toEqual(expected);
    expect(routeTargets("organization/prod", "ksyun-route")).toEqual(expected);
  });

  it("scoped: each node's route by a glob that matches its URN alone", () => {
    const [a, ref] = routeTargets("organization/prod", "ksyun-route", ["a"]);
    expect(ref).toBe("urn:pulumi:prod::ksyun-route::pulumi:pulumi:StackReference::*");
    // The engine's glob: `**` any text, `*` any text without a colon (pkg/resource/deploy/deployment.go).
    const glob = new RegExp(
      `^${a!
        .split("*")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^:]*")}$`,
    );
    const urn = (stack: string, name: string) =>
      `urn:pulumi:${stack}::ksyun-route::pulumi-nodejs:dynamic/ksyun:VpcRoute::${name}`;
    expect(glob.test(urn("prod", "route-a"))).toBe(true);
    expect([urn("prod", "route-ab"), urn("prod", "xroute-a"), urn("dev", "route-a")].some((u) => glob.test(u))).toBe(
      false,
    );
  });
});

describe("errorSummary", () => {
  it("keeps the distinct error lines of a CLI failure", () => {
    const error = new Error(
      "code: 255\n stdout: Updating (prod):\n  error: refusing to delete all 3 managed routes\n stderr: error: update failed\n  error: update failed\n",
    );
    expect(errorSummary(error)).toBe("error: refusing to delete all 3 managed routes | error: update failed");
  });

  it("falls back to the first line", () => {
    expect(errorSummary(new Error("spawn pulumi ENOENT\n  at x"))).toBe("spawn pulumi ENOENT");
  });
});
