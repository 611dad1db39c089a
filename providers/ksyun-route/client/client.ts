import type { Logger } from "pino";
import { Api } from "./api.ts";
import type { CallEvent } from "./api.ts";
import type { CredentialSource } from "./credential-types.ts";
import { assertRegion, baseUrl } from "./endpoints.ts";
import { HttpTransport } from "./http.ts";
import { describeInstancesRequest, instancePages, parseInstancePage } from "./kec.ts";
import type { Filter } from "./query.ts";
import { sharedRateLimiter } from "./rate-limit.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { DEFAULT_RETRY } from "./retry.ts";
import type { RetryPolicy } from "./retry.ts";
import { TrustTags } from "./trust.ts";
import type {
  CreateRouteInput,
  CreateRouteResult,
  DeleteRouteInput,
  DescribeInstancesInput,
  DescribeRoutesInput,
  DescribeVpcsInput,
  Instance,
  InstancePage,
  Route,
  RoutePage,
  VpcPage,
} from "./types.ts";
import {
  createRoute,
  deleteRoute,
  describeRoutesRequest,
  describeVpcsRequest,
  parseRoutePage,
  parseVpcPage,
  routePages,
} from "./vpc.ts";

export type KsyunClientOptions = {
  /** e.g. cn-beijing-6; part of the SigV4 scope for every host. */
  region: string;
  /**
   * One base URL for both VPC and KEC, e.g. http://internal.api.ksyun.com or http://127.0.0.1:PORT.
   * Default: https://vpc.{region}.api.ksyun.com and https://kec.{region}.api.ksyun.com.
   */
  endpoint?: string;
  credentials: CredentialSource;
  /** Reconfigures the process-wide limiter (default 10 QPS) unless `rateLimiter` is given. */
  qps?: number;
  /** Per HTTP attempt, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Called after every HTTP attempt. Must not throw. */
  onCall?: (event: CallEvent) => void;
  logger?: Logger;
  /** Replaces the process-wide limiter (tests). */
  rateLimiter?: RateLimiter;
};

export class KsyunClient {
  readonly #transport: HttpTransport;
  readonly #api: Api;
  readonly #trust: TrustTags;

  constructor(options: KsyunClientOptions) {
    assertRegion(options.region);
    // Fail on a bad endpoint now rather than on the first call.
    baseUrl("vpc", options.region, options.endpoint);
    this.#transport = new HttpTransport({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    this.#api = new Api({
      transport: this.#transport,
      limiter: options.rateLimiter ?? sharedRateLimiter(options.qps),
      retry: { ...DEFAULT_RETRY, ...options.retry },
      onCall: options.onCall,
      logger: options.logger,
    });
    this.#trust = new TrustTags(async (vpcId) => (await this.describeVpcs({ vpcIds: [vpcId] })).vpcs[0]);
  }

  /** Whether the VPC is a trust VPC; looked up once per VPC. */
  isTrustVpc(vpcId: string): Promise<boolean> {
    return this.#trust.isTrust(vpcId);
  }

  async createRoute(input: CreateRouteInput): Promise<CreateRouteResult> {
    return createRoute(this.#api, input, await this.isTrustVpc(input.vpcId));
  }

  async deleteRoute(input: DeleteRouteInput): Promise<void> {
    return deleteRoute(this.#api, input, await this.isTrustVpc(input.vpcId));
  }

  async describeRoutes(input: DescribeRoutesInput): Promise<RoutePage> {
    const trust = input.vpcId ? await this.isTrustVpc(input.vpcId) : false;
    return this.#api.call(describeRoutesRequest(input, trust), parseRoutePage);
  }

  /** Every page of DescribeRoutes (default page size 100). */
  routePages(input: DescribeRoutesInput): AsyncGenerator<Route[]> {
    return routePages((page) => this.describeRoutes(page), input);
  }

  /** All routes of a VPC, of every type, narrowed by optional extra filters. */
  async listVpcRoutes(vpcId: string, filters: readonly Filter[] = []): Promise<Route[]> {
    const routes: Route[] = [];
    for await (const page of this.routePages({ vpcId, filters })) routes.push(...page);
    return routes;
  }

  describeVpcs(input: DescribeVpcsInput): Promise<VpcPage> {
    return this.#api.call(describeVpcsRequest(input), parseVpcPage);
  }

  describeInstances(input: DescribeInstancesInput): Promise<InstancePage> {
    return this.#api.call(describeInstancesRequest(input), parseInstancePage);
  }

  /** Every page of KEC DescribeInstances (default page size 100). */
  instancePages(input: DescribeInstancesInput): AsyncGenerator<Instance[]> {
    return instancePages((page) => this.describeInstances(page), input);
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#transport.close();
  }
}
