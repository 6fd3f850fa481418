import { notifications } from "@portico/contracts";
import { channelSubject, encodeJson } from "@portico/kit";
import type { NatsConnection } from "nats";
import type { DeliveryChannel } from "./channel.ts";

/**
 * In-app: the notification is already stored (list, unreadCount); this pushes it live on the
 * user's NATS subject, which the gateway streams to that user's open `onNotification` subscriptions.
 */
export function inAppChannel(nc: NatsConnection, namespace: string): DeliveryChannel {
  const live = notifications.procedures.onNotification;
  // The same subject the gateway's generic subscription proxy follows.
  const channel = live.channel ?? live.name;
  return {
    name: "in-app",
    async deliver(deliveries) {
      for (const { userId, notification } of deliveries)
        nc.publish(channelSubject(namespace, channel, userId), encodeJson(notification));
    },
  };
}
