// The program's wiring under Pulumi mocks: what it declares for a plan (the planner has its own tests).
import { beforeAll, describe, expect, it } from "vitest";
import { allRegistered, recordRegistrations, resolve, type Registered } from "../test/support/pulumi-mocks.ts";
import type * as ClusterManifests from "./cluster-manifests.ts";
import { parseConfig, type ProgramConfig } from "./config.ts";
import type { RoutePlan } from "./plan.ts";
import type * as Routes from "./routes.ts";

let registered: Registered[];
let routes: typeof Routes;
let manifests: typeof ClusterManifests;

beforeAll(async () => {
  registered = await recordRegistrations((args) => ({ routeId: `rt-${args.name}` }));
  [routes, manifests] = await Promise.all([import("./routes.ts"), import("./cluster-manifests.ts")]);
});

const VPC = "2429a51f-acb2-4124-a5f7-81ec34951c9e";
const I1 = "7c5e6b72-c0f4-449d-aff9-3f2eaf334f07";
const I2 = "4e83defb-1a76-4eee-8fb9-44665e09081c";
const config = (extra: Record<string, string> = {}): ProgramConfig =>
  parseConfig({
    region: "cn-beijing-6",
    vpcId: VPC,
    podCidr: "172.16.0.0/16",
    vpcCidr: "10.0.0.0/16",
    clusterUuid: "c1",
    ...extra,
  });

const plan: RoutePlan = {
  routes: [
    {
      nodeName: "n1",
      resourceName: "route-n1",
      destinationCidrBlock: "172.16.1.0/24",
      instanceId: I1,
      instanceIdSource: "spec.providerID",
    },
    {
      nodeName: "n2",
      resourceName: "route-n2",
      destinationCidrBlock: "172.16.2.0/24",
      instanceId: I2,
      instanceIdSource: "InternalIP",
    },
  ],
  skipped: [{ node: "n3", reason: "no pod CIDR yet", kind: "unroutable" }],
  needsIpLookup: [],
  creates: ["n2"],
  replaces: [],
  deletes: ["gone"],
  withheld: [],
  deferred: [],
  maxRouteDeletes: 3,
  warnings: [],
};

const of = (type: string) => registered.filter((r) => r.type === type);

describe("declareRoutes", () => {
  it("declares one VpcRoute per planned node with stable names and a description naming cluster and node", async () => {
    registered.length = 0;
    const outputs = routes.declareRoutes(config(), plan);
    await resolve(outputs.routes);
    const declared = of("pulumi-nodejs:dynamic/ksyun:VpcRoute");
    expect(declared.map((r) => r.name)).toEqual(["route-n1", "route-n2"]);
    expect(declared[0]!.inputs).toMatchObject({
      vpcId: VPC,
      destinationCidrBlock: "172.16.1.0/24",
      instanceId: I1,
      description: "ksyun-route c1 node n1",
      replaceConflicting: false,
    });
  });

  it("outputs per node its CIDR, instance and route id, the skipped nodes with reasons, and counts", async () => {
    const outputs = routes.declareRoutes(config(), plan);
    expect(await resolve(outputs.routes)).toEqual({
      n1: { cidr: "172.16.1.0/24", instanceId: I1, routeId: "rt-route-n1" },
      n2: { cidr: "172.16.2.0/24", instanceId: I2, routeId: "rt-route-n2" },
    });
    expect(outputs.skippedNodes).toEqual({ n3: "no pod CIDR yet" });
    expect(outputs.withheldDeletes).toEqual([]);
    expect(outputs.counts).toEqual({ routes: 2, skipped: 1, creates: 1, replaces: 0, deletes: 1, withheld: 0 });
  });

  it("scoped by the watcher: declares the scope's routes only, and carries the others' outputs over", async () => {
    registered.length = 0;
    const previous = [
      { nodeName: "n1", destinationCidrBlock: "172.16.1.0/24", instanceId: I1, routeId: "rt-old-n1" },
      { nodeName: "gone", destinationCidrBlock: "172.16.9.0/24", instanceId: I1, routeId: "rt-gone" },
    ];
    const outputs = routes.declareRoutes(config(), plan, { nodes: new Set(["n2", "gone"]), previous });
    expect(await resolve(outputs.routes)).toEqual({
      n1: { cidr: "172.16.1.0/24", instanceId: I1, routeId: "rt-old-n1" },
      n2: { cidr: "172.16.2.0/24", instanceId: I2, routeId: "rt-route-n2" },
    });
    expect(of("pulumi-nodejs:dynamic/ksyun:VpcRoute").map((r) => r.name)).toEqual(["route-n2"]);
  });

  it("passes replaceConflictingRoutes through", async () => {
    registered.length = 0;
    const outputs = routes.declareRoutes(config({ replaceConflictingRoutes: "true" }), {
      ...plan,
      routes: plan.routes.slice(0, 1),
    });
    await resolve(outputs.routes);
    expect(of("pulumi-nodejs:dynamic/ksyun:VpcRoute")[0]!.inputs.replaceConflicting).toBe(true);
  });
});

describe("declareClusterManifests", () => {
  it("gives the Kubernetes provider the kubeconfig path, never the file's contents", async () => {
    registered.length = 0;
    await allRegistered(
      manifests.declareClusterManifests(config({ kubeconfig: "/home/me/.kube/prod", kubeContext: "prod" }), {
        monitorToken: true,
      }),
    );
    expect(of("pulumi:providers:kubernetes")[0]!.inputs).toMatchObject({
      kubeconfig: "/home/me/.kube/prod",
      context: "prod",
    });
  });

  it("declares the groups that are switched on", async () => {
    registered.length = 0;
    await allRegistered(
      manifests.declareClusterManifests(config({ enableMasqAgent: "false" }), { monitorToken: false }),
    );
    const names = registered.map((r) => `${r.type}/${r.name}`);
    expect(names).toContain("kubernetes:apps/v1:DaemonSet/calico-cni");
    expect(names.some((n) => n.includes("ip-masq-agent"))).toBe(false);
  });
});
