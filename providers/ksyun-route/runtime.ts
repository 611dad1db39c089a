// The entry the serialized shim (index.ts) loads inside Pulumi's dynamic-provider process: one RouteProvider per
// process, made from the stack config in `configure`. These export names are what every state written since the
// first release calls (delete and refresh run the shim stored in the state), so they stay.
import type * as pulumi from "@pulumi/pulumi";
import { ksyunCloud } from "./cloud.ts";
import { clientFromSettings, NAMESPACE, readSettings } from "./config.ts";
import { readHandoff } from "./handoff.ts";
import { RouteProvider } from "./provider.ts";

type Props = Record<string, unknown>;

let provider: RouteProvider | undefined;

/** Called once per process with the stack config; must not await before storing (calls may race it). */
export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  const settings = readSettings((key) => req.config.get(`${NAMESPACE}:${key}`));
  provider = new RouteProvider(ksyunCloud(clientFromSettings(settings)), { handoff: readHandoff() });
}

function current(): RouteProvider {
  if (!provider) throw new Error("the VpcRoute provider was used before the engine configured it");
  return provider;
}

export const check = (olds: Props, news: Props) => current().check(olds, news);
export const diff = (id: string, olds: Props, news: Props) => current().diff(id, olds, news);
export const create = (inputs: Props) => current().create(inputs);
export const read = (id: string, props: Props) => current().read(id, props);
export const update = (id: string, olds: Props, news: Props) => current().update(id, olds, news);
export const remove = (id: string, props: Props) => current().delete(id, props);
