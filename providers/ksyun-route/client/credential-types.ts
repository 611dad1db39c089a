// The types both credential sources (credentials.ts, credentials-dir.ts) produce, apart so neither imports the other.

export type Credentials = {
  accessKeyId: string;
  secretAccessKey: string;
  /** STS token; sent as X-Amz-Security-Token (signed) and X-Ksc-Security-Token (the original's header). */
  securityToken?: string;
  /** From the directory's `expired_at`; the directory is re-read after it. */
  expiresAt?: Date;
};

export type CredentialSource = {
  /** Where the credentials come from, for logs: `explicit`, `env:<AK variable>` or `dir:<path>`. */
  readonly origin: string;
  get(): Promise<Credentials>;
};
