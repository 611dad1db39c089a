export { KsyunClient } from "./client.ts";
export type { KsyunClientOptions } from "./client.ts";
export { encryptSecret } from "./cipher.ts";
export { resolveCredentials } from "./credentials.ts";
export { KsyunApiError, isKsyunApiError } from "./errors.ts";
export type * from "./types.ts";
