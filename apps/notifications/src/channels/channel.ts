import type { Notification } from "@portico/contracts";
import type { Logger } from "@portico/kit";

/** One notification on its way to one user. */
export interface Delivery {
  userId: string;
  notification: Notification;
  log: Logger;
}

/**
 * A way of telling a user about a notification besides storing it. Channels run after the
 * notification is committed; a channel decides for itself whether this user wants it (preferences).
 * Adding email or SMS is one more module implementing this.
 */
export interface DeliveryChannel {
  readonly name: string;
  deliver(delivery: Delivery): Promise<void>;
  /** Waits for deliveries still retrying in the background (called on shutdown). */
  drain?(): Promise<void>;
}

/** Hands a notification to every channel; one channel failing does not stop the others. */
export async function deliverAll(channels: DeliveryChannel[], delivery: Delivery): Promise<void> {
  await Promise.all(
    channels.map((channel) =>
      channel.deliver(delivery).catch((error: unknown) => {
        delivery.log.warn("delivery failed", { channel: channel.name, error });
      }),
    ),
  );
}
