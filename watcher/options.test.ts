import { describe, expect, it } from "vitest";
import { DEFAULT_AKSK_DIR, parseDuration, parseOptions, USAGE, UsageError } from "./options.ts";

const context = { hostname: "host-1", exists: (_path: string): boolean => false };
const parse = (argv: string[], env: Record<string, string> = {}, ctx = context) => parseOptions(argv, env, ctx);

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["1s", 1000],
    ["1.5s", 1500],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["2m10s", 130_000],
  ])("%s = %i ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "5", "5 m", "m", "-1s", "1d", "1s junk"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("parseOptions", () => {
  it("defaults: 5 min resync, 500 ms debounce, 5 s max wait, port 10280 on every interface, client-go Lease timings", () => {
    expect(parse(["--stack", "prod"])).toEqual({
      stack: "prod",
      resyncMs: 300_000,
      debounceMs: 500,
      maxWaitMs: 5000,
      port: 10280,
      bindAddress: undefined,
      identity: "host-1",
      leaseName: "ksyun-route-watcher",
      leaseNamespace: "kube-system",
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      akskDir: undefined,
      configFile: undefined,
      logLevel: "info",
    });
  });

  it("reads the environment; flags win over it", () => {
    const env = {
      KSYUN_ROUTE_STACK: "env-stack",
      KSYUN_ROUTE_RESYNC_PERIOD: "30s",
      KSYUN_ROUTE_DEBOUNCE: "200ms",
      KSYUN_ROUTE_PORT: "9090",
      POD_NAME: "watcher-abc",
      POD_NAMESPACE: "ops",
      KSYUN_AKSK_DIR: "/secrets/aksk",
    };
    expect(parse([], env)).toMatchObject({
      stack: "env-stack",
      resyncMs: 30_000,
      debounceMs: 200,
      port: 9090,
      identity: "host-1_watcher-abc",
      leaseNamespace: "ops",
      akskDir: "/secrets/aksk",
    });
    expect(parse(["--stack", "flag-stack", "--identity", "me", "--port", "0"], env)).toMatchObject({
      stack: "flag-stack",
      identity: "me",
      port: 0,
    });
  });

  it(`hands ${DEFAULT_AKSK_DIR} to the runs only when it exists`, () => {
    const mounted = { ...context, exists: (path: string): boolean => path === DEFAULT_AKSK_DIR };
    expect(parse(["--stack", "s"], {}, mounted)).toMatchObject({ akskDir: DEFAULT_AKSK_DIR });
    expect(parse(["--stack", "s"])).toMatchObject({ akskDir: undefined });
  });

  it.each([
    [[], /--stack \(KSYUN_ROUTE_STACK\) is required/],
    [["--stack", "s", "--resync-period", "5"], /--resync-period \(KSYUN_ROUTE_RESYNC_PERIOD\): "5"/],
    [["--stack", "s", "--resync-period", "10ms"], /--resync-period/],
    [["--stack", "s", "--port", "http"], /--port \(KSYUN_ROUTE_PORT\): "http" is not a port/],
    [["--stack", "s", "--port", "70000"], /is not a port/],
    [["--stack", "s", "--renew-deadline", "20s"], /--renew-deadline must be shorter than --lease-duration/],
    [["--stack", "s", "--retry-period", "10s"], /--retry-period must be shorter than --renew-deadline/],
    [["--stack", "s", "--debounce", "10s"], /--max-wait must not be shorter than --debounce/],
  ])("rejects %j", (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });

  it("rejects unknown flags and positionals", () => {
    expect(() => parse(["--stack", "s", "--resync", "5m"])).toThrow(/Unknown option '--resync'/);
    expect(() => parse(["prod"])).toThrow(/positional/);
  });

  it("--help wins, and the usage names every flag with its environment variable", () => {
    expect(parse(["--help"])).toBe("help");
    for (const text of ["--resync-period", "KSYUN_ROUTE_DEBOUNCE", "--port", "--identity", "PULUMI_BACKEND_URL"]) {
      expect(USAGE).toContain(text);
    }
  });
});
