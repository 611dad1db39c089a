import { describe, expect, it } from "vitest";
import { hostOfIdentity, leaderIdentity } from "./identity.ts";

describe("leaderIdentity", () => {
  it.each([
    ["a pod on the host network", "node-7", "watcher-abc", "node-7_watcher-abc"],
    ["a pod on the pod network (its host name is its name)", "watcher-abc", "watcher-abc", "watcher-abc"],
    ["outside a pod", "laptop", undefined, "laptop"],
  ])("%s → %s", (_, hostname, podName, identity) => {
    expect(leaderIdentity(hostname, podName)).toBe(identity);
    expect(hostOfIdentity(identity)).toBe(hostname);
  });
});
