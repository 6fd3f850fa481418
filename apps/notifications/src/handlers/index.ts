import type { notifications } from "@portico/contracts";
import type { Handlers } from "@portico/kit";
import type { NotificationsDeps } from "./deps.ts";
import { list } from "./list.ts";
import { markRead } from "./markRead.ts";
import { unreadCount } from "./unreadCount.ts";

export type { NotificationsDeps } from "./deps.ts";

/** Every request capability of the notifications service (the live stream is served by the gateway). */
export const createHandlers = (deps: NotificationsDeps): Handlers<typeof notifications> => ({
  list: list(deps),
  unreadCount: unreadCount(deps),
  markRead: markRead(deps),
});
