import { KsyunApiError } from "./errors.ts";
import type { Vpc } from "./types.ts";

/** Caches, per VPC, whether DescribeVpcs tags it `ProductTag: trust`; a failed lookup is not cached. */
export class TrustTags {
  readonly #lookup: (vpcId: string) => Promise<Vpc | undefined>;
  readonly #cache = new Map<string, Promise<boolean>>();

  constructor(lookup: (vpcId: string) => Promise<Vpc | undefined>) {
    this.#lookup = lookup;
  }

  isTrust(vpcId: string): Promise<boolean> {
    let cached = this.#cache.get(vpcId);
    if (!cached) {
      cached = this.#lookup(vpcId).then((vpc) => {
        if (!vpc) {
          throw new KsyunApiError({
            action: "DescribeVpcs",
            code: "VpcNotFound",
            serverMessage: `VPC ${vpcId} does not exist`,
            httpStatus: 200,
            kind: "not-found",
          });
        }
        return vpc.productTag === "trust";
      });
      cached.catch(() => this.#cache.delete(vpcId));
      this.#cache.set(vpcId, cached);
    }
    return cached;
  }
}
