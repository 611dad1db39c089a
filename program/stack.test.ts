// The program's wiring under Pulumi mocks: what it declares for a plan (the planner has its own tests).
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig, type ProgramConfig } from "./config.ts";
import type { RoutePlan } from "./plan.ts";
import type * as Stack from "./stack.ts";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
let stack: typeof Stack;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}_id`, state: { ...args.inputs, routeId: `rt-${args.name}` } };
      },
      call: (args) => args.inputs,
    },
    "ksyun-route",
    "test",
    false,
  );
  stack = await import("./stack.ts");
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
  skipped: [{ node: "n3", reason: "no pod CIDR yet" }],
  needsIpLookup: [],
  creates: ["n2"],
  replaces: [],
  deletes: ["gone"],
  deferred: [],
  maxRouteDeletes: 3,
  warnings: [],
};

const resolve = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((r) => o.apply(r));
const of = (type: string) => registered.filter((r) => r.type === type);

describe("declareRoutes", () => {
  it("declares one VpcRoute per planned node with stable names and a description naming cluster and node", async () => {
    registered.length = 0;
    const outputs = stack.declareRoutes(config(), plan);
    await resolve(outputs.routes);
    const routes = of("pulumi-nodejs:dynamic/ksyun:VpcRoute");
    expect(routes.map((r) => r.name)).toEqual(["route-n1", "route-n2"]);
    expect(routes[0]!.inputs).toMatchObject({
      vpcId: VPC,
      destinationCidrBlock: "172.16.1.0/24",
      instanceId: I1,
      description: "ksyun-route c1 node n1",
      replaceConflicting: false,
    });
  });

  it("outputs per node its CIDR, instance and route id, the skipped nodes with reasons, and counts", async () => {
    const outputs = stack.declareRoutes(config(), plan);
    expect(await resolve(outputs.routes)).toEqual({
      n1: { cidr: "172.16.1.0/24", instanceId: I1, routeId: "rt-route-n1" },
      n2: { cidr: "172.16.2.0/24", instanceId: I2, routeId: "rt-route-n2" },
    });
    expect(outputs.skippedNodes).toEqual({ n3: "no pod CIDR yet" });
    expect(outputs.counts).toEqual({ routes: 2, skipped: 1, creates: 1, replaces: 0, deletes: 1 });
  });

  it("passes replaceConflictingRoutes through", async () => {
    registered.length = 0;
    stack.declareRoutes(config({ replaceConflictingRoutes: "true" }), { ...plan, routes: plan.routes.slice(0, 1) });
    await new Promise((r) => setTimeout(r, 50));
    expect(of("pulumi-nodejs:dynamic/ksyun:VpcRoute")[0]!.inputs.replaceConflicting).toBe(true);
  });
});

describe("declareClusterManifests", () => {
  it("gives the Kubernetes provider the kubeconfig path, never the file's contents", async () => {
    registered.length = 0;
    stack.declareClusterManifests(config({ kubeconfig: "/home/me/.kube/prod", kubeContext: "prod" }), {
      monitorToken: true,
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(of("pulumi:providers:kubernetes")[0]!.inputs).toMatchObject({
      kubeconfig: "/home/me/.kube/prod",
      context: "prod",
    });
  });

  it("declares the groups that are switched on", async () => {
    registered.length = 0;
    stack.declareClusterManifests(config({ enableMasqAgent: "false" }), { monitorToken: false });
    await new Promise((r) => setTimeout(r, 50));
    const names = registered.map((r) => `${r.type}/${r.name}`);
    expect(names).toContain("kubernetes:apps/v1:DaemonSet/calico-cni");
    expect(names.some((n) => n.includes("ip-masq-agent"))).toBe(false);
  });
});
