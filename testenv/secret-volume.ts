// A Secret or ConfigMap volume as the kubelet maintains it (both use the same atomic writer), for tests of what is
// mounted into the watcher's pod: credentials, the stack's settings.
import { mkdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

let version = 0;

/**
 * Writes `files` into `dir` the way the kubelet updates a Secret volume: into a new hidden directory, then one
 * atomic swap of the `..data` symlink that every file name points through, so a reader never sees half an update.
 */
export async function writeSecretVolume(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const current = join(dir, `..${Date.now()}_${++version}`);
  await mkdir(current);
  for (const [name, content] of Object.entries(files)) await writeFile(join(current, name), content);
  const previous = await readlink(join(dir, "..data")).catch(() => undefined);
  await symlink(current, join(dir, "..data_tmp"));
  await rename(join(dir, "..data_tmp"), join(dir, "..data"));
  for (const name of Object.keys(files)) {
    await symlink(join("..data", name), join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
  }
  if (previous) await rm(previous, { recursive: true });
}
