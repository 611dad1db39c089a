// What one run did to the routes, from the engine's event stream: operations by kind and outcome, and the error of
// each route that failed. The KSYun calls themselves happen inside the provider plugin, out of the watcher's sight.
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { VPC_ROUTE_TYPE } from "../program/contract.ts";

export interface RouteOperation {
  readonly op: string;
  readonly ok: boolean;
}

/** The resource name part of a URN (`…::route-node-a`). */
export const resourceName = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

export class RouteEventTally {
  readonly operations: RouteOperation[] = [];
  /** Resource name → the first error reported for it. */
  readonly failures = new Map<string, string>();

  add(event: EngineEvent): void {
    const done = event.resOutputsEvent ?? event.resOpFailedEvent;
    if (done && done.metadata.type === VPC_ROUTE_TYPE && done.metadata.op !== "same") {
      this.operations.push({ op: done.metadata.op, ok: event.resOpFailedEvent === undefined });
      if (event.resOpFailedEvent) this.#fail(done.metadata.urn, "the operation failed");
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error" && diagnostic.urn?.includes(`::${VPC_ROUTE_TYPE}::`)) {
      this.failures.set(resourceName(diagnostic.urn), diagnostic.message.trim().slice(0, 500));
    }
  }

  #fail(urn: string, message: string): void {
    const name = resourceName(urn);
    if (!this.failures.has(name)) this.failures.set(name, message);
  }
}
