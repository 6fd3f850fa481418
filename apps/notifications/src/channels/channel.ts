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
 * notifications are committed, with all those committed together; a channel decides for itself
 * whether each user wants it (preferences). Adding email or SMS is one more module implementing this.
 */
export interface DeliveryChannel {
  readonly name: string;
  deliver(deliveries: Delivery[]): Promise<void>;
  /** Waits for deliveries still retrying in the background (called on shutdown). */
  drain?(): Promise<void>;
}

/** Hands notifications to every channel; one channel failing does not stop the others. */
export async function deliverAll(channels: DeliveryChannel[], deliveries: Delivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await Promise.all(
    channels.map((channel) =>
      channel.deliver(deliveries).catch((error: unknown) => {
        for (const { log } of deliveries) log.warn("delivery failed", { channel: channel.name, error });
      }),
    ),
  );
}
