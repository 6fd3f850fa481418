import { type ProcedureContract, type ServiceWiring, wiring } from "@portico/contracts";
import type { Caller } from "./call.ts";
import type { EventConsumer } from "./events/consume.ts";

const where = "packages/contracts/src/wiring.ts";

/** A service's declared wiring; undefined for a service the contracts do not list (tests' own). */
export function wiringOf(service: string): ServiceWiring | undefined {
  return Object.hasOwn(wiring, service) ? wiring[service as keyof typeof wiring] : undefined;
}

/**
 * Throws unless every consumer is one the service's wiring declares. Its NATS permissions allow
 * exactly those; this says so at start, also against a server without permissions.
 */
export function checkConsumers(service: string, wired: ServiceWiring, consumers: EventConsumer[]): void {
  for (const consumer of consumers) {
    const subject = consumer.event.subject;
    if (!wired.consumes.some((event) => event.subject === subject)) {
      throw new Error(
        `${service} consumes ${subject}, which wiring.${service}.consumes (${where}) does not declare`,
      );
    }
    if (consumer.name !== subject) {
      throw new Error(
        `${service}'s consumer of ${subject} is named ${consumer.name}; wiring allows only ${subject}`,
      );
    }
  }
}

/**
 * A caller that refuses procedures of other services that the wiring does not say this service
 * calls: the same rule as its NATS permissions, with a message naming the fix.
 */
export function declaredCaller(service: string, wired: ServiceWiring, caller: Caller): Caller {
  const key = (proc: ProcedureContract) => `${proc.service}.${proc.name}`;
  const allowed = new Set(wired.calls.map(key));
  return {
    call(proc, input, ctx) {
      if (!allowed.has(key(proc))) {
        return Promise.reject(
          new Error(
            `${service} calls ${key(proc)}, which wiring.${service}.calls (${where}) does not declare`,
          ),
        );
      }
      return caller.call(proc, input, ctx);
    },
  };
}
