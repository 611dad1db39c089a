export type ErrorKind =
  | "throttled"
  | "transient"
  | "not-found"
  | "duplicate-destination"
  | "quota"
  | "auth"
  | "invalid-parameter"
  | "unknown";

export type KsyunApiErrorInit = {
  action: string;
  code: string;
  /** The server's message (already scrubbed of secrets), or the transport failure. */
  serverMessage: string;
  /** Absent when no HTTP response arrived. */
  httpStatus?: number;
  requestId?: string;
  /** For errors the client raises itself; otherwise derived by classify(). */
  kind?: ErrorKind;
};

const THROTTLED_CODES = /throttl|requestlimitexceeded|toomanyrequests/i;
const AUTH_CODES =
  /signaturedoesnotmatch|invalidaccesskey|invalidauthenticationcode|securitytoken|authfailure|requestexpired|requesttimetooskewed|unauthorized|accessdenied|forbidden/i;
const TRANSIENT_CODES =
  /^(ServiceTimeout|RequestTimeout|RequestTimeoutException|INTERNAL_FAILURE|InternalError|ServiceUnavailable)$/i;
const NOT_FOUND = /notfound|not[ _]found|not[ _]?exist|不存在/i;
const QUOTA = /quota|limitexceeded/i;
const INVALID_PARAMETER = /^(invalid|missing|malformed)|parameter/i;

/** Substring matching, as KSYun documents no codes (terraform-provider-ksyun matches so too). Order matters. */
function classify({ httpStatus, code, serverMessage }: KsyunApiErrorInit): ErrorKind {
  const text = `${code} ${serverMessage}`;
  if (httpStatus === undefined) return "transient";
  if (httpStatus === 429 || httpStatus === 509 || THROTTLED_CODES.test(code)) return "throttled";
  if (serverMessage.includes("same with a route")) return "duplicate-destination";
  if (QUOTA.test(code)) return "quota";
  if (httpStatus === 401 || httpStatus === 403 || AUTH_CODES.test(code)) return "auth";
  if (httpStatus >= 500 || TRANSIENT_CODES.test(code)) return "transient";
  // Unknown action: 404 "Not Found", but a client defect rather than a missing resource.
  if (code === "INVALID_ACTION") return "invalid-parameter";
  if (httpStatus === 404 || NOT_FOUND.test(text)) return "not-found";
  if (INVALID_PARAMETER.test(code)) return "invalid-parameter";
  return "unknown";
}

/** The only error the client throws for API calls. Carries no request data: no headers, URL or credentials. */
export class KsyunApiError extends Error {
  override readonly name = "KsyunApiError";
  readonly action: string;
  readonly code: string;
  readonly serverMessage: string;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
  readonly kind: ErrorKind;

  constructor(init: KsyunApiErrorInit) {
    const status = init.httpStatus === undefined ? "no HTTP response" : `HTTP ${init.httpStatus}`;
    const request = init.requestId ? `, RequestId ${init.requestId}` : "";
    super(`KSYun ${init.action} failed: ${init.code}: ${init.serverMessage} (${status}${request})`);
    this.action = init.action;
    this.code = init.code;
    this.serverMessage = init.serverMessage;
    this.httpStatus = init.httpStatus;
    this.requestId = init.requestId;
    this.kind = init.kind ?? classify(init);
  }
}

export function isKsyunApiError(error: unknown): error is KsyunApiError {
  return error instanceof KsyunApiError;
}

export function isRetryable(error: unknown): boolean {
  return isKsyunApiError(error) && (error.kind === "throttled" || error.kind === "transient");
}
