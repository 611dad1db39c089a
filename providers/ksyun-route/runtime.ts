// The entry the `__provider` text (index.ts) loads inside Pulumi's dynamic-provider process: one RouteProvider per
// process, made from the stack config in `configure`. `provider` is what today's text hands the host; the other
// export names are what the serialized shim of states written by earlier releases calls (delete and refresh run
// the text stored in the state), so they stay.
import type * as pulumi from "@pulumi/pulumi";
import { ksyunCloud } from "./cloud.ts";
import { clientFromSettings, NAMESPACE, readSettings } from "./config.ts";
import { readHandoff } from "./handoff.ts";
import { RouteProvider } from "./provider.ts";

type Props = Record<string, unknown>;

let current: RouteProvider | undefined;

/**
 * Called by the host once per `__provider` text with the stack config (twice in a stack whose state still holds
 * the serialized shim beside today's text). Must not await before storing (calls may race it).
 */
export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  const settings = readSettings((key) => req.config.get(`${NAMESPACE}:${key}`));
  current = new RouteProvider(ksyunCloud(clientFromSettings(settings)), { handoff: readHandoff() });
}

function configured(): RouteProvider {
  if (!current) throw new Error("the VpcRoute provider was used before the engine configured it");
  return current;
}

export const check = (olds: Props, news: Props) => configured().check(olds, news);
export const diff = (id: string, olds: Props, news: Props) => configured().diff(id, olds, news);
export const create = (inputs: Props) => configured().create(inputs);
export const read = (id: string, props: Props) => configured().read(id, props);
export const update = (id: string, olds: Props, news: Props) => configured().update(id, olds, news);
export const remove = (id: string, props: Props) => configured().delete(id, props);

/** The provider today's `__provider` text hands the dynamic-provider host (index.ts PROVIDER_TEXT). */
export const provider: pulumi.dynamic.ResourceProvider = {
  configure: async (req) => configure(req),
  check,
  diff,
  create,
  read,
  update,
  delete: remove,
};
