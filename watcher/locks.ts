// Stale Pulumi locks after a leader crash. DIY backends (file, S3, postgres) lock a stack with a file naming the
// holder's user, host and pid, and never expire it; a SIGKILLed leader leaves it behind and every later run fails
// with ConcurrentUpdateError until `pulumi cancel`.
import { readFileSync } from "node:fs";
import { hostOfIdentity } from "./identity.ts";

export interface LockHolder {
  readonly username: string;
  readonly hostname: string;
  readonly pid: number;
}

/** The holders listed in a DIY backend's "the stack is currently locked by N lock(s)" error. */
export function lockHolders(message: string): LockHolder[] {
  return [...message.matchAll(/created by (\S+)@(\S+) \(pid (\d+)\)/g)].map(([, username, hostname, pid]) => ({
    username: username!,
    hostname: hostname!,
    pid: Number(pid),
  }));
}

export interface StaleContext {
  /** This process's host name. */
  readonly hostname: string;
  /** The Lease holder this leader took over from (its identity names its host: identity.ts). */
  readonly previousLeader: string | undefined;
  readonly pulumiAlive: (pid: number) => boolean;
}

/**
 * Called only for a lock met by the first run after taking over the lead. Only the leader runs Pulumi, and the lead
 * is exclusive: the previous leader stopped its runs when it stopped renewing, before the Lease could expire for
 * anyone else. So a lock held by the previous leader's host, or by a dead process on this host, is stale. A live
 * pulumi on this host, or any other host, is someone else's run (an operator's `pulumi up`) and is waited for.
 */
export function isStaleLock(holder: LockHolder, context: StaleContext): boolean {
  if (holder.hostname === context.hostname) return !context.pulumiAlive(holder.pid);
  return context.previousLeader !== undefined && holder.hostname === hostOfIdentity(context.previousLeader);
}

/** Whether `pid` is a running pulumi process here (by name, as a restarted container may reuse the pid). */
export function pulumiAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "pulumi";
  } catch {
    return false;
  }
}
