import { onTestFinished } from "vitest";
import { KsyunClient } from "../client.ts";
import type { KsyunClientOptions } from "../client.ts";
import { resolveCredentials } from "../credentials.ts";
import { TokenBucket } from "../rate-limit.ts";

export const TEST_CREDENTIALS = {
  accessKeyId: "AKLTtestAccessKey",
  secretAccessKey: "test-secret-key-0123456789",
  securityToken: "test-sts-token-abcdef",
};

/** A client for a stub server: own limiter (not the process one), tiny retry delays; closed when the test ends. */
export function testClient(endpoint: string, options: Partial<KsyunClientOptions> = {}): KsyunClient {
  const client = new KsyunClient({
    region: "cn-beijing-6",
    endpoint,
    credentials: resolveCredentials({ explicit: TEST_CREDENTIALS }),
    rateLimiter: new TokenBucket({ qps: 1_000_000 }),
    timeoutMs: 2_000,
    ...options,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 5_000, ...options.retry },
  });
  onTestFinished(() => client.close());
  return client;
}
