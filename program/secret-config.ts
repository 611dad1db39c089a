// Credentials must be set with `pulumi config set --secret`: the engine keeps the whole stack config in the
// state (as the default provider's inputs), so a plaintext value would be stored in plaintext there.
// Pulumi.yaml cannot mark them `secret: true` because a secret key may not have a (plaintext) default.
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE } from "./config.ts";

const SECRET_KEYS = ["accessKeyId", "secretAccessKey", "securityToken", "cipherKey"] as const;

// `isConfigSecret` is internal to the SDK (missing from its typings) but reads the engine's list of secret keys.
const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };

/** Names of credential keys that hold a value but were not set with --secret. */
function plaintextCredentialKeys(
  raw: Readonly<Record<string, string | undefined>>,
  isSecret: (key: string) => boolean = (key) => runtime.isConfigSecret?.(key) ?? false,
): string[] {
  return SECRET_KEYS.map((key) => `${NAMESPACE}:${key}`).filter((key) => raw[key] && !isSecret(key));
}

export function assertCredentialsEncrypted(raw: Readonly<Record<string, string | undefined>>): void {
  const plain = plaintextCredentialKeys(raw);
  if (plain.length > 0) {
    throw new Error(
      `${plain.join(", ")} must be set with --secret, or it would be stored in plaintext in the state: ` +
        plain.map((key) => `pulumi config set --secret ${key} <value>`).join("; "),
    );
  }
}
