// The watcher image (npm run image, local Debian base) for both architectures: what is in it, and its own
// entrypoint run with buildah against the test API server and the emulator, given its settings the way a pod is:
// the stack settings file mounted (a ConfigMap) and passed with --config-file, the service account's token
// mounted, the backend and passphrase in the environment, a writable /tmp (an emptyDir). CI must build it: there
// a missing buildah fails the test instead of skipping it.
import { chmod, chown, copyFile, lstat, mkdir, readdir, readlink, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/tools.ts";
import {
  buildahInstalled,
  buildImage,
  imageConfig,
  imageSize,
  runEntrypoint,
  withRootfs,
  type ContainerRun,
} from "../../testenv/buildah.ts";
import { elfMachine, EM_AARCH64, EM_X86_64 } from "../../testenv/elf.ts";
import { freePort, waitFor } from "../../testenv/ports.ts";
import { INSTANCES, node, programStack, type ProgramStack } from "./program-stack.ts";

const ARCHES = { amd64: EM_X86_64, arm64: EM_AARCH64 } as const;
type Arch = keyof typeof ARCHES;
const UID = 65532;
const K8S_PLUGIN = "plugins/resource-kubernetes-v4.25.0/pulumi-resource-kubernetes";
// The language host is a binary named for its SDK version behind a shell wrapper (scripts/tools.sh).
const TOOLS = ["pulumi", "pulumi-language-nodejs-sdk-v3.68.0", K8S_PLUGIN];

const skip = !buildahInstalled && process.env.CI !== "true";
if (skip) console.warn("test/e2e/image.test.ts skipped: buildah is not installed (apt-get install buildah mmdebstrap)");

/** Every directory and regular file under `dir` (symlinks not followed), with its path inside the image. */
async function* files(rootfs: string, dir = ""): AsyncGenerator<{ path: string; mode: number; uid: number }> {
  for (const entry of await readdir(join(rootfs, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    const { mode, uid } = await lstat(join(rootfs, path));
    if (entry.isDirectory()) {
      yield { path: `${path}/`, mode, uid };
      yield* files(rootfs, path);
    } else if (entry.isFile()) yield { path, mode, uid };
  }
}

describe.skipIf(skip)("the watcher image", () => {
  const images = {} as Record<Arch, string>;

  beforeAll(async () => {
    for (const arch of Object.keys(ARCHES) as Arch[]) {
      const { image, seconds } = await buildImage(arch, `ksyun-route-watcher:e2e-${arch}`);
      images[arch] = image;
      console.log(`[image] ${image}: built in ${seconds.toFixed(0)} s, ${await imageSize(image)}`);
    }
  }, 45 * 60_000); // a workstation's first run cross-compiles the arm64 tools here (.ci/run makes them before)

  for (const arch of Object.keys(ARCHES) as Arch[]) {
    it(`${arch}: every ELF binary is for ${arch}; the runtime tools are in, the test tools and stack files are not`, async () => {
      await withRootfs(images[arch], async (rootfs) => {
        const elves: Record<string, number> = {};
        const paths: string[] = [];
        const writable: string[] = [];
        for await (const { path, mode, uid } of files(rootfs)) {
          paths.push(path);
          if ((mode & 0o002 && path !== "/tmp/") || uid === UID) writable.push(path);
          // What can run: executables and libraries, and in node_modules Node addons. (tar-fs's bare-* packages
          // carry prebuilt addons for the Bare runtime, for a dozen platforms: data to Node.)
          const runnable = !path.endsWith("/") && (!path.startsWith("/app/node_modules/") || path.endsWith(".node"));
          const machine = runnable ? await elfMachine(join(rootfs, path)) : undefined;
          if (machine !== undefined) elves[path] = machine;
        }
        for (const tool of TOOLS) expect(elves[`/opt/pulumi/${tool}`], tool).toBe(ARCHES[arch]);
        expect(elves["/usr/local/bin/node"]).toBe(ARCHES[arch]);
        expect(Object.entries(elves).filter(([, machine]) => machine !== ARCHES[arch])).toEqual([]);
        expect(paths.filter((p) => /\/(kube-apiserver|etcd)$/.test(p))).toEqual([]);
        expect(paths.filter((p) => /^\/app\/Pulumi\..+\.yaml$/.test(p))).toEqual([]);
        expect(paths).toContain("/etc/ssl/certs/ca-certificates.crt");
        // A read-only root filesystem loses nothing: the watcher, uid 65532, can write only to its mounts.
        expect(writable).toEqual([]);
      });
      expect((await imageConfig(images[arch])).User).toBe(`${UID}:${UID}`);
    });
  }

  describe("its entrypoint, run on this machine", () => {
    let s: ProgramStack;
    let watcher: ContainerRun | undefined;
    let url: string;

    beforeAll(async () => {
      s = await programStack();
      const dir = join(s.pulumi.dir, "pod");
      const volumes = { tmp: join(dir, "tmp"), config: join(dir, "config"), account: join(dir, "account") };
      for (const volume of Object.values(volumes)) await mkdir(volume, { recursive: true });
      // The emptyDir and the state backend are the pod's to write; its read-only volumes only to read.
      await chown(volumes.tmp, UID, UID);
      for await (const { path } of files(s.pulumi.backendDir)) await chown(join(s.pulumi.backendDir, path), UID, UID);
      await chown(s.pulumi.backendDir, UID, UID);
      await copyFile(join(repoRoot, `Pulumi.${s.stack}.yaml`), join(volumes.config, `Pulumi.${s.stack}.yaml`));
      // The service account volume of a pod, here with the admin's token (RBAC is watcher.test.ts's subject).
      const cluster = s.kube.kubeConfig.getCurrentCluster()!;
      await copyFile(cluster.caFile!, join(volumes.account, "ca.crt"));
      await writeFile(join(volumes.account, "token"), s.kube.kubeConfig.getCurrentUser()!.token!);
      await writeFile(join(volumes.account, "namespace"), "kube-system");
      for (const name of ["ca.crt", "token", "namespace"]) await chmod(join(volumes.account, name), 0o644);

      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const configFile = `/etc/ksyun-route/stack/Pulumi.${s.stack}.yaml`;
      watcher = await runEntrypoint(images.amd64, {
        args: [
          ...["--stack", s.stack, "--port", String(port), "--identity", "image-e2e", "--config-file", configFile],
          ...["--lease-namespace", "kube-system", "--lease-duration", "4s", "--renew-deadline", "3s"],
          ...["--retry-period", "500ms", "--resync-period", "5m"],
        ],
        mounts: {
          [volumes.tmp]: "/tmp",
          [volumes.config]: "/etc/ksyun-route/stack:ro",
          [volumes.account]: "/var/run/secrets/kubernetes.io/serviceaccount:ro",
          [s.pulumi.backendDir]: "/var/lib/ksyun-route/state",
        },
        environment: {
          KUBERNETES_SERVICE_HOST: "127.0.0.1",
          KUBERNETES_SERVICE_PORT: new URL(cluster.server).port,
          PULUMI_BACKEND_URL: "file:///var/lib/ksyun-route/state",
          PULUMI_CONFIG_PASSPHRASE: s.pulumi.env.PULUMI_CONFIG_PASSPHRASE!, // random, of this test's stack
        },
      });
      await waitFor(`the watcher in the image on ${url}`, async () => {
        if (watcher!.proc.child.exitCode !== null) throw new Error(`it exited:\n${watcher!.output()}`);
        return (await fetch(`${url}/healthz`)).ok ? true : undefined;
      });
    }, 300_000);

    const logsOnFailure = <T>(waiting: Promise<T>) =>
      waiting.catch((error: unknown) => {
        throw new Error(`${String(error)}\nthe watcher's output:\n${watcher!.output().slice(-8000)}`);
      });

    afterAll(async () => {
      await watcher?.stop();
      await s?.close();
    });

    it("becomes the leader and routes a node created in the API server", async () => {
      await s.core.createNode({ body: node("image-node", "172.20.7.0/24", 0) });
      const route = await logsOnFailure(
        waitFor(
          "the image-node route in the emulator",
          async () => (await s.control.routes()).find((r) => r.destinationCidrBlock === "172.20.7.0/24"),
          180_000,
        ),
      );
      expect(route.instanceId).toBe(INSTANCES[0]);
      const lease = await s.kube.kubeConfig
        .makeApiClient(k8s.CoordinationV1Api)
        .readNamespacedLease({ name: "ksyun-route-watcher", namespace: "kube-system" });
      expect(lease.spec?.holderIdentity).toBe("image-e2e");
      await logsOnFailure(
        waitFor("a successful run in /metrics", async () => {
          const metrics = await (await fetch(`${url}/metrics`)).text();
          return /^ksyun_route_watcher_runs_total\{[^}]*result="success"[^}]*\} [1-9]/m.test(metrics)
            ? true
            : undefined;
        }),
      );
      // Pulumi's home was made on the emptyDir by uid 65532, with the image's plugin linked in where the engine
      // looks (scripts/tools.ts), not found on PATH.
      const home = join(s.pulumi.dir, "pod/tmp/.pulumi");
      expect((await stat(home)).uid).toBe(UID);
      expect(await readlink(join(home, K8S_PLUGIN))).toBe(`/opt/pulumi/${K8S_PLUGIN}`);
    }, 240_000);
  });
});
