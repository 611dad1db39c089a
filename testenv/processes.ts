// Child processes that never outlive the test run. Each starts a session of its own (setsid), and is killed
// as a whole session: process groups are not enough, because pulumi starts each plugin in a group of its own.
// A detached sentry kills the session if this process dies without cleaning up (SIGKILL, a crashed vitest
// worker); Node has no PR_SET_PDEATHSIG, hence the sentry.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";

const sessions = new Set<number>();

const SENTRY = `p=$1; s=$2
while kill -0 "$p" 2>/dev/null && pgrep -s "$s" >/dev/null; do sleep 0.5; done
pkill -TERM -s "$s"; sleep 3; pkill -KILL -s "$s"; exit 0`;

function killSession(sid: number, signal: NodeJS.Signals): void {
  spawnSync("pkill", [`-${signal.replace(/^SIG/, "")}`, "-s", String(sid)], { stdio: "ignore" });
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => sessions.forEach((sid) => killSession(sid, "SIGKILL")));
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      sessions.forEach((sid) => killSession(sid, "SIGKILL"));
      process.kill(process.pid, signal);
    });
  }
}

export interface SessionProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or signal name) once the leader exits. */
  exited: Promise<number | string>;
  /** SIGTERM to the whole session, SIGKILL after `graceMs`; resolves when the leader is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the leader, as a crash would; what it leaves behind is killed too. */
  kill(): Promise<void>;
}

export function spawnSession(command: string, args: string[], options: SpawnOptions = {}): SessionProcess {
  hookExit();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  sessions.add(pid);
  spawn("bash", ["-c", SENTRY, "sentry", String(process.pid), String(pid)], {
    detached: true,
    stdio: "ignore",
  }).unref();
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      sessions.delete(pid);
      killSession(pid, "SIGKILL"); // stragglers the leader left behind
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", () => {
      sessions.delete(pid);
      resolve("spawn-error");
    });
  });
  const stop = async (graceMs = 5000): Promise<void> => {
    killSession(pid, "SIGTERM");
    const timer = setTimeout(() => killSession(pid, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    killSession(pid, "SIGKILL");
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
