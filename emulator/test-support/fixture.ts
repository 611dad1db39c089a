/** A seed covering two regions, a trust VPC, an STS credential and the ids of signing vectors B and D. */
import { afterEach } from "vitest";
import type { Emulator, EmulatorOptions } from "../index.ts";
import { startEmulator } from "../index.ts";
import type { CallOptions, CallResult, Key } from "./signed-call.ts";
import { control, signedCall } from "./signed-call.ts";

const REGION = "cn-beijing-6";
export const FAR_REGION = "cn-shanghai-2";

export const KEY: Key = { accessKeyId: "AKLTtestKey0001", secretAccessKey: "test-secret-0001" };
export const STS_KEY: Key = {
  accessKeyId: "AKLTstsKey0001",
  secretAccessKey: "sts-secret",
  sessionToken: "sts-token-1",
};
const VECTOR_KEY: Key = { accessKeyId: "AKLTexampleAK", secretAccessKey: "exampleSK" };

/** VPC and next hop of vectors B and D. */
export const VPC = "5b1d7c4a-2a9f-4b8e-9d4c-1f2e3a4b5c6d";
export const NODE1 = "0e3e1d2c-7b6a-4f5e-8d9c-0a1b2c3d4e5f";
export const NODE2 = "3d1f9a52-6c84-4e1b-9f0a-7b2c5d8e1a43";
export const NODE_PROJECT5 = "8a7c6e5d-4b3a-4928-8716-05f4e3d2c1b0";
export const OTHER_VPC = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
export const OTHER_NODE = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";
export const TRUST_VPC = "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f";
export const TRUST_NODE = "d4e5f6a7-b8c9-4d0e-9f2a-3b4c5d6e7f80";
export const FAR_VPC = "e5f6a7b8-c9d0-4e1f-8a3b-4c5d6e7f8091";
export const FAR_NODE = "f6a7b8c9-d0e1-4f2a-9b4c-5d6e7f8091a2";

export function testSeed(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    credentials: [KEY, STS_KEY, VECTOR_KEY].map(({ sessionToken, ...key }) =>
      sessionToken === undefined ? key : { ...key, securityToken: sessionToken },
    ),
    vpcs: [
      { vpcId: VPC, cidrBlock: "10.0.0.0/16", region: REGION },
      { vpcId: OTHER_VPC, cidrBlock: "10.1.0.0/16", region: REGION },
      { vpcId: TRUST_VPC, cidrBlock: "10.2.0.0/16", region: REGION, productTag: "trust" },
      { vpcId: FAR_VPC, cidrBlock: "10.0.0.0/16", region: FAR_REGION },
    ],
    instances: [
      { instanceId: NODE1, vpcId: VPC, privateIpAddress: "10.0.1.23", instanceName: "k8s-node-3" },
      { instanceId: NODE2, vpcId: VPC, privateIpAddress: "10.0.1.24", state: "stopped" },
      { instanceId: NODE_PROJECT5, vpcId: VPC, privateIpAddress: "10.0.1.25", projectId: 5 },
      { instanceId: OTHER_NODE, vpcId: OTHER_VPC, privateIpAddress: "10.1.0.10" },
      { instanceId: TRUST_NODE, vpcId: TRUST_VPC, privateIpAddress: "10.2.0.10" },
      { instanceId: FAR_NODE, vpcId: FAR_VPC, privateIpAddress: "10.0.1.23" },
    ],
    ...extra,
  };
}

export interface TestEmulator extends Emulator {
  call(params: Record<string, string>, options?: Partial<CallOptions>): Promise<CallResult>;
  control(method: string, path: string, body?: unknown): Promise<CallResult>;
}

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

/** Starts an emulator that is closed after the current test. */
export async function emulator(options: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const started = await startEmulator({ seed: testSeed(), ...options });
  running.push(started);
  return {
    ...started,
    call: (params, callOptions = {}) => signedCall(started.url, { key: KEY, ...callOptions, params }),
    control: (method, path, body) => control(started.url, method, path, body),
  };
}
