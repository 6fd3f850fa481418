import { type EventContract, type EventPayload, paymentEvents, userEvents } from "@portico/contracts";
import { consumeBatch, type EventConsumer } from "@portico/kit";
import type { DeliveryChannel } from "./channels/channel.ts";
import { notifyAll } from "./notify.ts";
import { paymentFailed, paymentRefunded, paymentSucceeded, type Rendered, welcome } from "./templates.ts";

/** The events that become notifications: a welcome on sign-up, receipts for payments. */
export function createConsumers(channels: DeliveryChannel[]): EventConsumer[] {
  /** Each event of `event` becomes the notification `notice` makes of it. */
  const notifying = <E extends EventContract>(
    event: E,
    notice: (payload: EventPayload<E>) => { userId: string; rendered: Rendered },
  ) =>
    consumeBatch(
      event,
      (events) =>
        notifyAll(
          channels,
          events.map(({ payload, ctx }) => ({ ctx, ...notice(payload) })),
        ),
      // One insert keyed on (event, user): a redelivered event stores and delivers nothing again.
      { idempotent: true },
    );
  return [
    notifying(userEvents.created, (p) => ({ userId: p.userId, rendered: welcome(p) })),
    notifying(paymentEvents.succeeded, (p) => ({ userId: p.userId, rendered: paymentSucceeded(p) })),
    notifying(paymentEvents.failed, (p) => ({ userId: p.userId, rendered: paymentFailed(p) })),
    notifying(paymentEvents.refunded, (p) => ({ userId: p.userId, rendered: paymentRefunded(p) })),
  ];
}
