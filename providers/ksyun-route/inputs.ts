// Validation and normalisation of VpcRoute inputs (the provider's check step). Pure.
import { parseIpv4Cidr } from "./cidr.ts";
import { KSYUN_ID } from "./ids.ts";

export interface RouteInputs {
  vpcId: string;
  destinationCidrBlock: string;
  instanceId: string;
  description?: string;
  replaceConflicting?: boolean;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

// Preview passes values that are not known yet as this sentinel (pulumi/pulumi#6310); they cannot be checked.
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const MAX_DESCRIPTION = 128;

function checkId(property: string, value: unknown): CheckFailure[] {
  if (value === UNKNOWN) return [];
  if (typeof value !== "string" || !KSYUN_ID.test(value)) {
    return [{ property, reason: `${property} ${JSON.stringify(value)} is not a KSYun id (a lower-case UUID)` }];
  }
  return [];
}

function checkCidr(property: string, value: unknown): CheckFailure[] {
  if (value === UNKNOWN) return [];
  if (typeof value !== "string") return [{ property, reason: `${property} is required (an IPv4 network CIDR)` }];
  const parsed = parseIpv4Cidr(value);
  return parsed.ok ? [] : [{ property, reason: `${property} ${JSON.stringify(value)} ${parsed.problem}` }];
}

function checkDescription(value: unknown): CheckFailure[] {
  if (value === undefined || value === UNKNOWN) return [];
  if (typeof value !== "string" || value.length > MAX_DESCRIPTION) {
    return [
      { property: "description", reason: `description must be a string of at most ${MAX_DESCRIPTION} characters` },
    ];
  }
  return [];
}

export function checkInputs(news: Record<string, unknown>): CheckFailure[] {
  return [
    ...checkId("vpcId", news.vpcId),
    ...checkCidr("destinationCidrBlock", news.destinationCidrBlock),
    ...checkId("instanceId", news.instanceId),
    ...checkDescription(news.description),
  ];
}

/** The inputs as the runtime uses them, after check passed. */
export function routeInputs(props: Record<string, unknown>): RouteInputs {
  const text = (key: string) =>
    typeof props[key] === "string" && props[key] !== "" ? (props[key] as string) : undefined;
  return {
    vpcId: props.vpcId as string,
    destinationCidrBlock: props.destinationCidrBlock as string,
    instanceId: props.instanceId as string,
    description: text("description"),
    replaceConflicting: props.replaceConflicting === true,
  };
}
