import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseSnapshot } from "./seed.ts";
import type { Snapshot } from "./types.ts";
import { ValidationError } from "./validate.ts";

/** The saved snapshot, or undefined when the file does not exist yet. */
export function readState(path: string): Snapshot | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ValidationError(`state file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseSnapshot(raw, "state");
}

/**
 * Writes snapshots atomically (temp file + rename), coalescing bursts of changes into one write per
 * event-loop turn so thousands of route changes do not mean thousands of full rewrites.
 */
export class StateFile {
  private readonly path: string;
  private readonly snapshot: () => Snapshot;
  private pending = false;

  constructor(path: string, snapshot: () => Snapshot) {
    this.path = path;
    this.snapshot = snapshot;
  }

  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      try {
        this.flush();
      } catch (error) {
        console.error(`emulator: cannot write state file ${this.path}: ${(error as Error).message}`);
      }
    });
  }

  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(this.snapshot(), null, 2)}\n`);
    renameSync(temp, this.path);
  }
}
