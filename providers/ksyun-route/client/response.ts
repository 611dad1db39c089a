import { KsyunApiError } from "./errors.ts";

export type ApiResponse = Record<string, unknown>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Replaces every secret (access key, secret key, token, signature) a server might echo back. */
export function redact(message: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((m, secret) => m.split(secret).join("[REDACTED]"), message);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * A 2xx JSON object without an `Error` member is the result; everything else becomes a KsyunApiError.
 * Error shapes: `{RequestId, Error: {Code, Message}}` (KscSDK/ksc-sdk-go ksc/kscquery/unmarshal_error.go) and the
 * legacy `{code, message}` (kingsoftcloud/sdk-go's parser).
 */
export function readResponse(
  action: string,
  httpStatus: number,
  body: string,
  secrets: readonly string[],
): ApiResponse {
  const json = parseJson(body);
  const object = isRecord(json) ? json : undefined;
  const error = object && isRecord(object.Error) ? object.Error : undefined;
  if (httpStatus >= 200 && httpStatus < 300 && object && !error) return object;
  const ok = httpStatus >= 200 && httpStatus < 300;
  const code = text(error?.Code) ?? text(object?.code) ?? (ok ? "UnexpectedResponse" : `HTTP${httpStatus}`);
  const message =
    text(error?.Message) ?? text(object?.message) ?? (object ? "" : `non-JSON body: ${body.slice(0, 200).trim()}`);
  throw new KsyunApiError({
    action,
    code,
    httpStatus,
    serverMessage: redact(message, secrets),
    requestId: text(object?.RequestId),
  });
}
