import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isStaleLock, lockHolders, pulumiAlive } from "./locks.ts";

// The DIY backend's message (pkg/backend/diy/lock.go), as it reaches ConcurrentUpdateError.message.
const MESSAGE = `code: 255
 stdout: Updating (prod):
 stderr: error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.
  file:///state/.pulumi/locks/organization/ksyun-route/prod/1b6e.json: created by root@watcher-7d9f-abc (pid 41) at 2026-01-01T00:00:00Z
  s3://bucket/.pulumi/locks/organization/ksyun-route/prod/9f2a.json: created by alice@laptop.local (pid 12345) at 2026-01-01T00:00:01Z
`;

describe("lockHolders", () => {
  it("lists every holder's user, host and pid", () => {
    expect(lockHolders(MESSAGE)).toEqual([
      { username: "root", hostname: "watcher-7d9f-abc", pid: 41 },
      { username: "alice", hostname: "laptop.local", pid: 12345 },
    ]);
  });

  it("finds none in other errors (e.g. Pulumi Cloud's 409, which names no holder)", () => {
    expect(lockHolders("[409] Conflict: Another update is currently in progress.")).toEqual([]);
  });
});

describe("isStaleLock", () => {
  const context = { hostname: "here", previousLeader: "watcher-old", pulumiAlive: (pid: number) => pid === 7 };
  it.each([
    ["the previous leader's pod", { username: "root", hostname: "watcher-old", pid: 41 }, true],
    [
      "a dead process on this host (a killed replica on a dev machine)",
      { username: "u", hostname: "here", pid: 8 },
      true,
    ],
    [
      "the previous leader on the host network (identity node-7_watcher-abc)",
      { username: "root", hostname: "node-7", pid: 41 },
      true,
      "node-7_watcher-abc",
    ],
    ["a live pulumi on this host (an operator's run)", { username: "u", hostname: "here", pid: 7 }, false],
    ["any other host (an operator's laptop, CI)", { username: "alice", hostname: "laptop", pid: 8 }, false],
  ])("%s → %s", (_, holder, stale, previousLeader = context.previousLeader) =>
    expect(isStaleLock(holder, { ...context, previousLeader })).toBe(stale),
  );

  it("with no previous leader (the Lease was free or released), only dead local processes are stale", () => {
    const fresh = { ...context, previousLeader: undefined };
    expect(isStaleLock({ username: "root", hostname: "watcher-old", pid: 41 }, fresh)).toBe(false);
  });
});

describe("pulumiAlive", () => {
  it("is true for a running process named pulumi", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ksyun-route-locks-"));
    const fake = join(dir, "pulumi");
    await copyFile("/bin/sleep", fake);
    const child = spawn(fake, ["30"], { stdio: "ignore" });
    try {
      await new Promise((resolve) => child.once("spawn", resolve));
      expect(pulumiAlive(child.pid!)).toBe(true);
    } finally {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is false for a process that is not pulumi, or not there", () => {
    expect(pulumiAlive(process.pid)).toBe(false);
    expect(pulumiAlive(2 ** 22 + 1)).toBe(false);
  });
});
