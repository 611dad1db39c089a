// An upgrade changes nothing: a stack made by the release before the config schema, the components and the event
// path (4af3c87), with every manifest group on, previews under this code with no update, replacement or delete of
// any route or Kubernetes object. The only steps are the creates of the new components themselves (state entries,
// no call to KSYun or the cluster); after one `up` records them, `preview --expect-no-changes` passes.
import { execFileSync } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../testenv/tools.ts";
import { createNodes, programStack, THREE_NODES, type ProgramStack } from "./program-stack.ts";

/** The last commit before the house issue (one config model, components with aliases). */
const PREVIOUS_RELEASE = "4af3c87";

let s: ProgramStack;
let dir: string;
let previous: string;

beforeAll(async () => {
  s = await programStack();
  await createNodes(s, THREE_NODES);
  dir = await mkdtemp(join(tmpdir(), "ksyun-route-previous-"));
  previous = join(dir, "tree");
  execFileSync("git", ["worktree", "add", "--detach", previous, PREVIOUS_RELEASE], { cwd: repoRoot, stdio: "ignore" });
  // Its own packages (it still used axios); offline from npm's cache when it can be.
  execFileSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: previous,
    stdio: "ignore",
    env: { ...process.env, PATH: `${join(repoRoot, "node_modules/.bin")}:${process.env.PATH}` },
  });
  // The same stack settings (and so the same encryption salt and values) for both trees.
  await copyFile(join(repoRoot, `Pulumi.${s.stack}.yaml`), join(previous, `Pulumi.${s.stack}.yaml`));
}, 600_000);

afterAll(async () => {
  await s?.close();
  if (previous) execFileSync("git", ["worktree", "remove", "--force", previous], { cwd: repoRoot, stdio: "ignore" });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`a stack made by ${PREVIOUS_RELEASE}`, () => {
  it("previews with no update or replacement of anything, only the components; then --expect-no-changes", async () => {
    const made = await s.pulumi.run(["up", "--yes", "--skip-preview", "--stack", s.stack], {
      cwd: previous,
      env: { KUBECONFIG: s.kube.kubeconfigPath },
    });
    expect(made.code, made.stdout + made.stderr).toBe(0);
    expect(made.stdout).toMatch(/kubernetes:apps\/v1:DaemonSet/);
    const routes = (await s.control.routes()).length;
    expect(routes).toBe(3);

    const preview = await s.run(["preview", "--json"]);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    const { steps, changeSummary } = JSON.parse(preview.stdout) as {
      steps: { op: string; urn: string }[];
      changeSummary: Record<string, number>;
    };
    const changed = steps
      .filter((step) => step.op !== "same" && step.op !== "read")
      .map((step) => `${step.op} ${step.urn.split("::")[2]}`);
    expect(changed.sort()).toEqual([
      "create ksyun-route:manifests:AkskSecret",
      "create ksyun-route:manifests:CalicoCni",
      "create ksyun-route:manifests:IpMasqAgent",
    ]);
    // Every route and Kubernetes object is "same": the manifests moved into the components under aliases.
    expect(Object.keys(changeSummary).sort()).toEqual(["create", "read", "same"]);
    expect(changeSummary.same).toBeGreaterThanOrEqual(3 + 12);

    await s.ok(["up", "--yes", "--skip-preview"]);
    const after = await s.run(["preview", "--expect-no-changes"]);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(await s.ok(["stack", "export"])).toContain(
      "ksyun-route:manifests:CalicoCni$kubernetes:apps/v1:DaemonSet::calico-cni",
    );
    expect((await s.control.stats()).calls.CreateRoute ?? 0).toBe(3);
  });
});
