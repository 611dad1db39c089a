/**
 * KSYun-style API errors: the codes public clients quote (INVALID_ACTION, SecurityTokenExpired,
 * InvalidAuthenticationCode), elsewhere AWS-style ones; a choice where KSYun's is unknown is noted beside it.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function errorBody(requestId: string, error: ApiError): object {
  return {
    RequestId: requestId,
    Error: { Type: error.status >= 500 ? "Receiver" : "Sender", Code: error.code, Message: error.message },
  };
}

export const missingParameter = (name: string): ApiError =>
  new ApiError(400, "MissingParameter", `The request must contain the parameter ${name}`);

export const invalidValue = (name: string, value: string, why: string): ApiError =>
  new ApiError(400, "InvalidParameterValue", `The value '${value}' of parameter ${name} is invalid: ${why}`);

// The real gateway's body for an unknown action, as yunionio/cloudmux quotes it: {"Code":"INVALID_ACTION",…}.
export const invalidAction = (): ApiError => new ApiError(404, "INVALID_ACTION", "Not Found");

export const signatureMismatch = (detail: string): ApiError => new ApiError(403, "SignatureDoesNotMatch", detail);

export const unknownAccessKey = (accessKeyId: string): ApiError =>
  new ApiError(403, "InvalidAccessKeyId", `The access key id '${accessKeyId}' does not exist in our records.`);

export const missingSecurityToken = (accessKeyId: string): ApiError =>
  new ApiError(
    403,
    "InvalidAccessKeyId",
    `The access key id '${accessKeyId}' is temporary and needs a security token (X-Amz-Security-Token or X-Ksc-Security-Token).`,
  );

export const securityTokenExpired = (): ApiError =>
  new ApiError(400, "SecurityTokenExpired", "The security token included in the request is expired.");

export const timeTooSkewed = (amzDate: string): ApiError =>
  new ApiError(
    403,
    "RequestTimeTooSkewed",
    `The difference between the request time '${amzDate}' and the server time is greater than 15 minutes.`,
  );

// The code is unknown; the message must contain "same with a route" (the original controller matches that text).
export const duplicateRoute = (cidr: string, vpcId: string): ApiError =>
  new ApiError(
    400,
    "InvalidParameter.RouteDuplicate",
    `The destination cidr block ${cidr} is same with a route in vpc ${vpcId}.`,
  );

export const instanceNotFound = (instanceId: string, vpcId: string): ApiError =>
  new ApiError(400, "InstanceNotFound", `The instance ${instanceId} does not exist in vpc ${vpcId}.`);

export const vpcNotFound = (vpcId: string): ApiError =>
  new ApiError(400, "VpcNotFound", `The vpc ${vpcId} does not exist.`);

export const routeNotFound = (routeId: string): ApiError =>
  new ApiError(400, "RouteNotFound", `The route ${routeId} does not exist.`);

export const quotaExceeded = (vpcId: string, quota: number): ApiError =>
  new ApiError(400, "QuotaExceeded", `The number of routes in vpc ${vpcId} has reached the quota of ${quota}.`);

// 400 rather than 429 so a client must recognise the code, which works whichever status KSYun really uses.
export const throttled = (): ApiError =>
  new ApiError(400, "Throttling", "Request was denied due to request throttling.");

export const internalFailure = (): ApiError =>
  new ApiError(500, "INTERNAL_FAILURE", "An internal error occurred. Please retry.");

export const serviceUnavailable = (): ApiError =>
  new ApiError(503, "ServiceUnavailable", "The service is unavailable. Please retry.");

export const dryRunSucceeded = (): ApiError =>
  new ApiError(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
