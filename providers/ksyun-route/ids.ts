// KSYun's identifier formats, one definition each for the client, the provider and the program. The emulator keeps
// its own (emulator/ids.ts), so that each checks the other.

/** VPC, route table and KEC instance ids: lower-case UUIDs. */
export const KSYUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Region names such as cn-beijing-6: part of every request's SigV4 scope. */
export const REGION = /^[a-z]{2,5}-\w+-\d+$/;

/** How a secret key (and STS token) is stored: plain, or the original aksk-provider's AES scheme (client/cipher.ts). */
export const CIPHERS = ["none", "aes256+base64"] as const;
export type Cipher = (typeof CIPHERS)[number];
export const AES_CIPHER: Cipher = "aes256+base64";
