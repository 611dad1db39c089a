import { createHash } from "node:crypto";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** KSYun resource ids are lowercase UUIDs. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

// Region names as in KscSDK/ksc-sdk-python's kscore/data/endpoints.yaml (cn-beijing-6, ap-singapore-1).
const REGION = /^[a-z]{2,5}-\w+-\d+$/;

export function isRegion(text: string): boolean {
  return REGION.test(text);
}

/** A stable UUID-v4-shaped id derived from `parts`, so derived ids survive restarts and resets. */
export function deriveUuid(...parts: string[]): string {
  const hex = createHash("sha256").update(parts.join("\0")).digest("hex");
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A stable locally administered MAC address derived from `seed`. */
export function deriveMac(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return ["fa", "16", "3e", hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6)].join(":");
}

/** KSYun's CreateTime format, `YYYY-MM-DD HH:mm:ss` in Beijing time (UTC+8). */
export function formatCreateTime(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
}
