// The watcher image for tests: built by scripts/image.sh, inspected, mounted and run with buildah (no daemon;
// chroot isolation, as root).
import { execFile, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../scripts/tools.ts";
import { spawnSession, tail, type SessionProcess } from "./processes.ts";

const run = promisify(execFile);
/** As scripts/image.sh: the store's configured driver, or $STORAGE_DRIVER. */
const store = process.env.STORAGE_DRIVER ? ["--storage-driver", process.env.STORAGE_DRIVER] : [];

export const buildahInstalled = spawnSync("buildah", ["--version"], { stdio: "ignore" }).status === 0;

async function buildah(...args: string[]): Promise<string> {
  return (await run("buildah", [...store, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
}

/** `npm run image -- --base local --arch <arch> --tag <tag>`: the image's name and the build's duration. */
export async function buildImage(arch: "amd64" | "arm64", tag: string): Promise<{ image: string; seconds: number }> {
  const started = performance.now();
  const proc = spawnSession(
    "bash",
    [join(repoRoot, "scripts/image.sh"), "--base", "local", "--arch", arch, "--tag", tag],
    { cwd: repoRoot },
  );
  const stdout = tail(proc.child.stdout);
  const stderr = tail(proc.child.stderr);
  const code = await proc.exited;
  if (code !== 0) throw new Error(`npm run image -- --arch ${arch} failed (${code}):\n${stderr()}`);
  return { image: stdout().trim().split("\n").pop()!, seconds: (performance.now() - started) / 1000 };
}

export interface ImageConfig {
  readonly User?: string;
  readonly Entrypoint?: string[];
}

export async function imageConfig(image: string): Promise<ImageConfig> {
  return (JSON.parse(await buildah("inspect", "--type", "image", image)) as { OCIv1: { config: ImageConfig } }).OCIv1
    .config;
}

/** The image's size as `buildah images` shows it (uncompressed), e.g. "688 MB". */
export function imageSize(image: string): Promise<string> {
  return buildah("images", "--format", "{{.Size}}", image);
}

/** A working container of the image: its root filesystem mounted for `use`, removed afterwards. */
export async function withRootfs<T>(image: string, use: (rootfs: string) => Promise<T>): Promise<T> {
  const container = await buildah("from", "--pull=never", "--name", `ksyun-route-e2e-${randomUUID()}`, image);
  try {
    return await use(await buildah("mount", container));
  } finally {
    await buildah("rm", container);
  }
}

export interface ContainerRun {
  readonly proc: SessionProcess;
  readonly output: () => string;
  /** Stops the process and removes the container. */
  stop(): Promise<void>;
}

/**
 * Runs the image's own entrypoint with `args` appended, as the image's user, on the host network, with
 * `mounts` (host path → container path, ":ro" allowed) and `environment` on top of the image's. `environment`
 * goes on buildah's command line: give it test values only.
 */
export async function runEntrypoint(
  image: string,
  options: { args: string[]; mounts: Record<string, string>; environment: Record<string, string> },
): Promise<ContainerRun> {
  const { Entrypoint = [] } = await imageConfig(image);
  const container = await buildah("from", "--pull=never", "--name", `ksyun-route-e2e-${randomUUID()}`, image);
  const proc = spawnSession("buildah", [
    ...store,
    "run",
    ...["--isolation", "chroot", "--network", "host"],
    ...Object.entries(options.mounts).flatMap(([host, inside]) => ["-v", `${host}:${inside}`]),
    ...Object.entries(options.environment).flatMap(([name, value]) => ["--env", `${name}=${value}`]),
    container,
    "--",
    ...Entrypoint,
    ...options.args,
  ]);
  const output = tail(proc.child.stdout, 4 * 1024 * 1024);
  const errors = tail(proc.child.stderr);
  return {
    proc,
    output: () => `${output()}${errors()}`,
    async stop() {
      await proc.stop();
      await buildah("rm", container);
    },
  };
}
