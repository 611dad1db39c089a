// Child processes that never outlive the test run: each runs in its own process group, is killed as a group
// on exit, and is watched by a detached sentry that kills the group if this process dies without cleaning up
// (SIGKILL, a crashed vitest worker). Node has no PR_SET_PDEATHSIG, hence the sentry.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

const groups = new Set<number>();

const SENTRY = `p=$1; g=$2
while kill -0 "$p" 2>/dev/null && kill -0 -- "-$g" 2>/dev/null; do sleep 0.5; done
kill -TERM -- "-$g" 2>/dev/null; sleep 3; kill -KILL -- "-$g" 2>/dev/null; exit 0`;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => groups.forEach((g) => killGroup(g, "SIGKILL")));
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      groups.forEach((g) => killGroup(g, "SIGKILL"));
      process.kill(process.pid, signal);
    });
  }
}

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or signal name) once the leader exits. */
  exited: Promise<number | string>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the leader is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the whole group, as a crash would. */
  kill(): Promise<void>;
}

export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): GroupProcess {
  hookExit();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  groups.add(pid);
  spawn("bash", ["-c", SENTRY, "sentry", String(process.pid), String(pid)], {
    detached: true,
    stdio: "ignore",
  }).unref();
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      groups.delete(pid);
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", () => {
      groups.delete(pid);
      resolve("spawn-error");
    });
  });
  const stop = async (graceMs = 5000): Promise<void> => {
    killGroup(pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    killGroup(pid, "SIGKILL"); // stragglers in the group
  };
  const kill = async (): Promise<void> => {
    killGroup(pid, "SIGKILL");
    await exited;
  };
  return { child, pid, exited, stop, kill };
}

/** Collects a stream into a string, keeping only the tail so long-running servers cannot exhaust memory. */
export function tail(stream: NodeJS.ReadableStream | null | undefined, limit = 64 * 1024): () => string {
  let text = "";
  stream?.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-limit);
  });
  return () => text;
}
