import type { EventContract } from "@portico/contracts";
import { EVENT_ID_HEADER, encodeJson, eventSubject } from "@portico/kit";
import { headers, type NatsConnection } from "nats";
import type { z } from "zod";
import type { AppName, Stack } from "./stack.ts";

/**
 * A NATS connection for a test that publishes events the way a producing service's relay does,
 * connected as that service (`producer`, which may publish only its own events).
 */
export async function eventPublisher(stack: Stack, producer: AppName) {
  const namespace = stack.namespace;
  const nc: NatsConnection = await stack.connectAs(producer);
  const js = nc.jetstream();
  return {
    nc,
    /** Publishes an event; reusing `eventId` with another `msgId` is a redelivery the stream does not absorb. */
    async publish<E extends EventContract>(
      event: E,
      payload: z.input<E["payload"]>,
      eventId: string = crypto.randomUUID(),
      msgId: string = eventId,
    ): Promise<string> {
      const h = headers();
      h.set(EVENT_ID_HEADER, eventId);
      await js.publish(eventSubject(namespace, event.subject), encodeJson(event.payload.parse(payload)), {
        msgID: msgId,
        headers: h,
      });
      return eventId;
    },
    close: () => nc.close(),
  };
}

/** Polls `fn` until `accept` takes its value, or gives up after `ms` and returns the last value. */
export async function waitFor<T>(fn: () => Promise<T>, accept: (value: T) => boolean, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  let value = await fn();
  while (!accept(value) && Date.now() < until) {
    await Bun.sleep(25);
    value = await fn();
  }
  return value;
}
