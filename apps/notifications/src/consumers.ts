import { paymentEvents, userEvents } from "@portico/contracts";
import { consume, type EventConsumer } from "@portico/kit";
import type { DeliveryChannel } from "./channels/channel.ts";
import { notify } from "./notify.ts";
import { paymentFailed, paymentRefunded, paymentSucceeded, welcome } from "./templates.ts";

/** The events that become notifications: a welcome on sign-up, receipts for payments. */
export function createConsumers(channels: DeliveryChannel[]): EventConsumer[] {
  return [
    consume(userEvents.created, (p, ctx) => notify(channels, ctx, p.userId, welcome(p))),
    consume(paymentEvents.succeeded, (p, ctx) => notify(channels, ctx, p.userId, paymentSucceeded(p))),
    consume(paymentEvents.failed, (p, ctx) => notify(channels, ctx, p.userId, paymentFailed(p))),
    consume(paymentEvents.refunded, (p, ctx) => notify(channels, ctx, p.userId, paymentRefunded(p))),
  ];
}
