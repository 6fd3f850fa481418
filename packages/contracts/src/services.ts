import { notifications } from "./notifications.ts";
import { payments } from "./payments.ts";
import { search } from "./search.ts";
import { users } from "./users.ts";

/** Every service behind the gateway, by name. */
export const services = { users, payments, notifications, search } as const;
export type ServiceName = keyof typeof services;
