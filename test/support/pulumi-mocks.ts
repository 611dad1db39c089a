// Pulumi's mocks for wiring tests: every resource a program part registers is recorded, and a test awaits the
// registration of the resources it made (their URNs resolve once the mock has seen them) instead of sleeping.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** Installs the mocks (before the modules under test are imported); `state` adds outputs per resource. */
export async function recordRegistrations(
  state: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> = () => ({}),
): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}_id`, state: { ...args.inputs, ...state(args) } };
      },
      call: (args) => args.inputs,
    },
    "ksyun-route",
    "test",
    false,
  );
  return registered;
}

/** The value of an Output, under mocks. */
export const resolve = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((r) => output.apply(r));

/** Every Pulumi resource in a value, however deeply nested (a component and its fields, a result object). */
function resourcesIn(value: unknown): pulumi.Resource[] {
  const fields = (object: object) =>
    Object.entries(object).flatMap(([key, field]) => (key.startsWith("__") ? [] : resourcesIn(field)));
  if (pulumi.ComponentResource.isInstance(value)) return [value, ...fields(value)];
  if (pulumi.Resource.isInstance(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(resourcesIn);
  if (value && typeof value === "object" && !pulumi.Output.isInstance(value)) return fields(value);
  return [];
}

/** Resolves once every resource in `value` has been registered with the mocks. */
export async function allRegistered(value: unknown): Promise<void> {
  await Promise.all(resourcesIn(value).map((resource) => resolve(resource.urn)));
}
