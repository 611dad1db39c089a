import { describe, expect, it } from "vitest";
import { startStubServer } from "./test-support/stub-server.ts";
import { testClient } from "./test-support/test-client.ts";

const instances = [0, 1, 2, 3, 4].map((i) => ({ InstanceId: `i-${i}`, PrivateIpAddress: `10.0.0.${i}` }));

describe("instancePages", () => {
  it.each([
    ["a short last page", 2, [0, 2, 4]],
    ["InstanceCount reached on a full page", 5, [0]],
  ])("pages by Marker offset and stops at %s", async (_name, maxResults, markers) => {
    const server = await startStubServer(({ params }) => {
      const start = Number(params.Marker);
      const page = instances.slice(start, start + Number(params.MaxResults));
      return {
        body: { RequestId: "q", InstancesSet: page, InstanceCount: instances.length, Marker: start + page.length },
      };
    });
    const client = testClient(server.url);
    const seen: string[] = [];
    for await (const page of client.instancePages({ vpcId: "vpc-1", projectIds: ["0", "7"], maxResults })) {
      seen.push(...page.map((i) => i.instanceId));
    }
    expect(seen).toEqual(instances.map((i) => i.InstanceId));
    expect(server.requests.map((r) => Number(r.params.Marker))).toEqual(markers);
    expect(server.requests[0]!.params).toMatchObject({
      Action: "DescribeInstances",
      "ProjectId.1": "0",
      "ProjectId.2": "7",
      "Filter.1.Name": "vpc-id",
      MaxResults: String(maxResults),
    });
  });
});
