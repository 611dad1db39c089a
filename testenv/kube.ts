// A real control plane for tests and the demo: etcd + kube-apiserver on loopback, no kubelet or controllers.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { spawnSession, tail, type SessionProcess } from "./processes.ts";
import { freePort, waitFor } from "./ports.ts";
import { tool } from "./tools.ts";

export interface KubeEnv {
  dir: string;
  server: string;
  /** Admin (system:masters) kubeconfig file. */
  kubeconfigPath: string;
  kubeConfig: k8s.KubeConfig;
  /** Creates a service account bound to the given cluster rules and returns a kubeconfig file using its token. */
  serviceAccountKubeconfig(name: string, rules: k8s.V1PolicyRule[], namespace?: string): Promise<string>;
  /**
   * The same kind of account, its kubeconfig reading the token from a file as in a pod (client-node re-reads it
   * once a minute, as client-go). `rotate` writes a new token there, as the kubelet does, and returns what
   * revokes the token before it (each token is bound to a Secret, and deleting the Secret revokes it).
   */
  serviceAccountTokenFile(
    name: string,
    rules: k8s.V1PolicyRule[],
    namespace?: string,
  ): Promise<{ kubeconfig: string; rotate(): Promise<() => Promise<void>> }>;
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

/** `credentials`: a token, or `{ tokenFile }` for the auth provider client-node's in-cluster config uses. */
function kubeconfigYaml(
  server: string,
  caFile: string,
  user: string,
  credentials: { token: string } | { tokenFile: string },
): string {
  const auth = "token" in credentials ? credentials : { "auth-provider": { name: "tokenFile", config: credentials } };
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local", cluster: { server, "certificate-authority": caFile } }],
    users: [{ name: user, user: auth }],
    contexts: [{ name: "local", context: { cluster: "local", user } }],
    "current-context": "local",
  });
}

function probeReady(server: string, token: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}/readyz`,
      { headers: { authorization: `Bearer ${token}` }, agent: new Agent({ rejectUnauthorized: false }) },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("error", reject);
    req.setTimeout(2000, () => req.destroy(new Error("timeout")));
    req.end();
  });
}

async function startEtcd(dir: string): Promise<{ proc: SessionProcess; url: string }> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = spawnSession(tool("etcd"), [
    "--name=test",
    `--data-dir=${join(dir, "etcd")}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=test=${peer}`,
    "--unsafe-no-fsync=true",
    "--log-level=error",
  ]);
  const output = tail(proc.child.stderr);
  await waitFor(`etcd at ${url} (${output()})`, async () => {
    const res = await fetch(`${url}/health`);
    return res.ok ? true : undefined;
  });
  return { proc, url };
}

export async function startKube(): Promise<KubeEnv> {
  const dir = await mkdtemp(join(tmpdir(), "ksyun-route-kube-"));
  await mkdir(join(dir, "pki"));
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
  await writeFile(join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
  const adminToken = randomBytes(24).toString("hex");
  await writeFile(join(dir, "tokens.csv"), `${adminToken},admin,admin-uid,"system:masters"\n`);

  const etcd = await startEtcd(dir);
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const args = [
    `--etcd-servers=${etcd.url}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${port}`,
    "--endpoint-reconciler-type=none",
    `--cert-dir=${join(dir, "pki")}`,
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${join(dir, "sa.pub")}`,
    `--service-account-signing-key-file=${join(dir, "sa.key")}`,
    "--service-cluster-ip-range=10.96.0.0/24",
    "--authorization-mode=RBAC",
    `--token-auth-file=${join(dir, "tokens.csv")}`,
    "--disable-admission-plugins=ServiceAccount",
    "--v=0",
  ];
  let apiserver: SessionProcess;
  const startApiserver = async () => {
    apiserver = spawnSession(tool("kube-apiserver"), args);
    const output = tail(apiserver.child.stderr);
    await waitFor(
      `kube-apiserver at ${server}`,
      async () => {
        if (apiserver.child.exitCode !== null) throw new Error(`kube-apiserver exited: ${output().slice(-2000)}`);
        return (await probeReady(server, adminToken)) ? true : undefined;
      },
      90_000,
    );
  };
  try {
    await startApiserver();
  } catch (error) {
    await etcd.proc.stop();
    throw error;
  }

  const caFile = join(dir, "pki", "apiserver.crt");
  const kubeconfigPath = join(dir, "admin.kubeconfig");
  await writeFile(kubeconfigPath, kubeconfigYaml(server, caFile, "admin", { token: adminToken }));
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const rbac = kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);

  const createServiceAccount = async (name: string, rules: k8s.V1PolicyRule[], namespace: string) => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    await rbac.createClusterRole({ body: { metadata: { name }, rules } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [{ kind: "ServiceAccount", name, namespace }],
      },
    });
  };
  const issueToken = async (name: string, namespace: string, boundObjectRef?: k8s.V1BoundObjectReference) => {
    const tokenRequest = await core.createNamespacedServiceAccountToken({
      name,
      namespace,
      body: {
        spec: { audiences: ["https://kubernetes.default.svc"], expirationSeconds: 3600, boundObjectRef },
      },
    });
    const token = tokenRequest.status?.token;
    if (!token) throw new Error(`no token was issued for service account ${namespace}/${name}`);
    return token;
  };

  return {
    dir,
    server,
    kubeconfigPath,
    kubeConfig,
    async serviceAccountKubeconfig(name, rules, namespace = "kube-system") {
      await createServiceAccount(name, rules, namespace);
      const token = await issueToken(name, namespace);
      const path = join(dir, `${name}.kubeconfig`);
      await writeFile(path, kubeconfigYaml(server, caFile, name, { token }));
      return path;
    },
    async serviceAccountTokenFile(name, rules, namespace = "kube-system") {
      await createServiceAccount(name, rules, namespace);
      const tokenFile = join(dir, `${name}.token`);
      let generation = 0;
      const rotate = async () => {
        const secret = `${name}-token-${++generation}`;
        const { metadata } = await core.createNamespacedSecret({ namespace, body: { metadata: { name: secret } } });
        const token = await issueToken(name, namespace, {
          kind: "Secret",
          apiVersion: "v1",
          name: secret,
          uid: metadata?.uid,
        });
        await writeFile(`${tokenFile}.tmp`, token);
        await rename(`${tokenFile}.tmp`, tokenFile); // atomic, as the kubelet's writes are
        const previous = `${name}-token-${generation - 1}`;
        return async () => {
          await core.deleteNamespacedSecret({ name: previous, namespace });
        };
      };
      await rotate();
      const kubeconfig = join(dir, `${name}.token.kubeconfig`);
      await writeFile(kubeconfig, kubeconfigYaml(server, caFile, name, { tokenFile }));
      return { kubeconfig, rotate };
    },
    async restartApiserver() {
      await apiserver.stop();
      await startApiserver();
    },
    async stop() {
      await apiserver.stop();
      await etcd.proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
