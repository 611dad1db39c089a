import type { Logger } from "pino";
import { KsyunApiError, isKsyunApiError } from "./errors.ts";
import type { ApiRequest, HttpTransport } from "./http.ts";
import type { RateLimiter } from "./rate-limit.ts";
import type { ApiResponse } from "./response.ts";
import { withRetry } from "./retry.ts";
import type { RetryPolicy } from "./retry.ts";

/** One HTTP attempt; `error` is a KsyunApiError, or a plain Error when credentials could not be read. */
export type CallEvent = { action: string; durationMs: number; error?: Error };

export type ApiOptions = {
  transport: Pick<HttpTransport, "send">;
  limiter: RateLimiter;
  retry: RetryPolicy;
  /** Must not throw. */
  onCall?: (event: CallEvent) => void;
  logger?: Logger;
};

/** Rate limiting, response parsing, the onCall hook, logging and retries around the transport. */
export class Api {
  readonly #options: ApiOptions;

  constructor(options: ApiOptions) {
    this.#options = options;
  }

  /** One attempt. A parse failure becomes an `UnexpectedResponse` KsyunApiError. */
  async send<T>(request: ApiRequest, parse: (response: ApiResponse) => T): Promise<T> {
    const { transport, limiter, onCall, logger } = this.#options;
    await limiter.acquire();
    const started = performance.now();
    let error: Error | undefined;
    try {
      const response = await transport.send(request);
      try {
        return parse(response);
      } catch (cause) {
        throw new KsyunApiError({
          action: request.action,
          code: "UnexpectedResponse",
          serverMessage: cause instanceof Error ? cause.message : String(cause),
          httpStatus: 200,
          kind: "unknown",
        });
      }
    } catch (cause) {
      error = cause instanceof Error ? cause : new Error(String(cause));
      throw cause;
    } finally {
      const durationMs = performance.now() - started;
      onCall?.({ action: request.action, durationMs, ...(error ? { error } : {}) });
      logger?.debug(
        {
          action: request.action,
          durationMs,
          ...(isKsyunApiError(error) ? { code: error.code, kind: error.kind } : {}),
        },
        "ksyun call",
      );
    }
  }

  /** Retries `operation` on throttled and transient errors. */
  retrying<T>(action: string, operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, this.#options.retry, {
      onRetry: (error, attempt, delayMs) =>
        this.#options.logger?.warn(
          { action, attempt, delayMs, ...(isKsyunApiError(error) ? { code: error.code, kind: error.kind } : {}) },
          "retrying ksyun call",
        ),
    });
  }

  call<T>(request: ApiRequest, parse: (response: ApiResponse) => T): Promise<T> {
    return this.retrying(request.action, () => this.send(request, parse));
  }
}
