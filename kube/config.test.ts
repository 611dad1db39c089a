import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadKubeTarget } from "./config.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kube-config-test-"));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const base64 = (text: string) => Buffer.from(text).toString("base64");

/** A kubeconfig with contexts `one` (current) and `two`, each its own cluster and user. */
function kubeconfig(user: object = { token: "token-one" }, cluster: object = {}) {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "c1",
        cluster: { server: "https://one.example:6443", "certificate-authority": "pki/ca.crt", ...cluster },
      },
      { name: "c2", cluster: { server: "https://two.example/prefix", "insecure-skip-tls-verify": true } },
    ],
    users: [
      { name: "u1", user },
      { name: "u2", user: { token: "token-two" } },
    ],
    contexts: [
      { name: "one", context: { cluster: "c1", user: "u1" } },
      { name: "two", context: { cluster: "c2", user: "u2", namespace: "kube-system" } },
    ],
    "current-context": "one",
  };
}

async function write(name: string, contents: string | object): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, typeof contents === "string" ? contents : dump(contents));
  return path;
}

describe("loadKubeTarget from a kubeconfig", () => {
  it("reads the current context's cluster and user, with files relative to the kubeconfig", async () => {
    await write("cfg/pki/ca.crt", "CA PEM");
    const target = loadKubeTarget({ kubeconfig: await write("cfg/config", kubeconfig()), env: {} });
    expect(target.server.href).toBe("https://one.example:6443/");
    expect(target.ca?.toString()).toBe("CA PEM");
    expect(target.insecure).toBe(false);
    expect(target.cert).toBeUndefined();
    expect(await target.token()).toBe("token-one");
  });

  it("reads JSON too, and a context given by name wins over current-context", async () => {
    const path = await write("config.json", JSON.stringify(kubeconfig()));
    const target = loadKubeTarget({ kubeconfig: path, context: "two", env: {} });
    expect(target.server.href).toBe("https://two.example/prefix");
    expect(target.insecure).toBe(true);
    expect(target.ca).toBeUndefined();
    expect(await target.token()).toBe("token-two");
  });

  it("takes inline base64 data for the CA and the client certificate and key", async () => {
    const user = { "client-certificate-data": base64("CERT"), "client-key-data": base64("KEY") };
    const cluster = { "certificate-authority-data": base64("INLINE CA") };
    const target = loadKubeTarget({ kubeconfig: await write("config", kubeconfig(user, cluster)), env: {} });
    expect(target.ca?.toString()).toBe("INLINE CA");
    expect(target.cert?.toString()).toBe("CERT");
    expect(target.key?.toString()).toBe("KEY");
    expect(await target.token()).toBeUndefined();
  });

  it("reads client certificate and key files", async () => {
    await Promise.all([write("pki/ca.crt", "CA"), write("pki/client.crt", "CERT"), write("pki/client.key", "KEY")]);
    const user = { "client-certificate": "pki/client.crt", "client-key": join(dir, "pki/client.key") };
    const target = loadKubeTarget({ kubeconfig: await write("config", kubeconfig(user)), env: {} });
    expect([target.cert?.toString(), target.key?.toString()]).toEqual(["CERT", "KEY"]);
  });

  it.each([
    ["tokenFile", { tokenFile: "sa/token" }],
    [
      "auth-provider tokenFile (testenv's and client-node's form)",
      { "auth-provider": { name: "tokenFile", config: { tokenFile: "sa/token" } } },
    ],
  ])("re-reads a token file (%s) once the copy is a minute old", async (_form, user) => {
    await write("pki/ca.crt", "CA");
    await write("sa/token", "first\n");
    vi.useFakeTimers({ toFake: ["Date"] });
    const target = loadKubeTarget({ kubeconfig: await write("config", kubeconfig(user)), env: {} });
    expect(await target.token()).toBe("first");
    await write("sa/token", "second\n");
    vi.advanceTimersByTime(59_000);
    expect(await target.token()).toBe("first");
    vi.advanceTimersByTime(2_000);
    expect(await target.token()).toBe("second");
  });

  it.each([
    ["exec", { exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" } }, /user u1: field exec/],
    ["username and password", { username: "admin", password: "secret" }, /user u1: field username/],
    ["impersonation", { token: "t", as: "someone" }, /user u1: field as is not supported/],
    ["another auth provider", { "auth-provider": { name: "oidc", config: {} } }, /user u1: auth-provider oidc/],
  ])("refuses %s, naming the user entry and the field", async (_what, user, message) => {
    const path = await write("config", kubeconfig(user));
    expect(() => loadKubeTarget({ kubeconfig: path, env: {} })).toThrow(message);
    expect(() => loadKubeTarget({ kubeconfig: path, env: {} })).not.toThrow(/secret/);
  });

  it("refuses cluster fields it would otherwise ignore", async () => {
    const path = await write("config", kubeconfig(undefined, { "proxy-url": "http://proxy:3128" }));
    expect(() => loadKubeTarget({ kubeconfig: path, env: {} })).toThrow(/cluster c1: field proxy-url is not supported/);
  });

  it("names a missing context, and a certificate without its key", async () => {
    await write("pki/ca.crt", "CA");
    const path = await write("config", kubeconfig());
    expect(() => loadKubeTarget({ kubeconfig: path, context: "three", env: {} })).toThrow(/no context named "three"/);
    const noKey = await write("nokey", kubeconfig({ "client-certificate-data": base64("CERT") }));
    expect(() => loadKubeTarget({ kubeconfig: noKey, env: {} })).toThrow(/user u1 has a client certificate or key/);
  });
});

describe("loadKubeTarget's default resolution", () => {
  const inCluster = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

  beforeEach(async () => {
    await write("pki/ca.crt", "CA");
    await write("sa/ca.crt", "SA CA");
    await write("sa/token", "sa-token");
  });

  it("uses the first existing file of $KUBECONFIG, ahead of ~/.kube/config and the pod's account", async () => {
    await write("home/.kube/config", kubeconfig({ token: "from-home" }));
    const path = await write("config", kubeconfig({ token: "from-env" }));
    const env = { ...inCluster, HOME: join(dir, "home"), KUBECONFIG: `${join(dir, "missing")}:${path}` };
    const target = loadKubeTarget({ env, serviceAccountDir: join(dir, "sa") });
    expect(await target.token()).toBe("from-env");
  });

  it("uses ~/.kube/config without $KUBECONFIG", async () => {
    await write("home/.kube/pki/ca.crt", "CA");
    await write("home/.kube/config", kubeconfig({ token: "from-home" }));
    const target = loadKubeTarget({ env: { ...inCluster, HOME: join(dir, "home") } });
    expect(await target.token()).toBe("from-home");
  });

  it("falls back to the pod's service account, re-reading its rotated token", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const target = loadKubeTarget({ env: { ...inCluster, HOME: dir }, serviceAccountDir: join(dir, "sa") });
    expect(target.server.href).toBe("https://10.96.0.1/");
    expect(target.ca?.toString()).toBe("SA CA");
    expect(await target.token()).toBe("sa-token");
    await write("sa/token", "rotated");
    vi.advanceTimersByTime(61_000);
    expect(await target.token()).toBe("rotated");
  });

  it("brackets an IPv6 service host", () => {
    const env = { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "6443", HOME: dir };
    expect(loadKubeTarget({ env, serviceAccountDir: join(dir, "sa") }).server.href).toBe("https://[fd00::1]:6443/");
  });

  it("says what it looked for when there is nothing", () => {
    expect(() => loadKubeTarget({ env: { HOME: dir }, serviceAccountDir: join(dir, "sa") })).toThrow(
      /no Kubernetes configuration/,
    );
    expect(() => loadKubeTarget({ env: { ...inCluster, HOME: dir }, serviceAccountDir: join(dir, "none") })).toThrow(
      /no Kubernetes configuration/,
    );
  });
});
