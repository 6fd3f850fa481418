import { z } from "zod";
import { Payment } from "./payments.ts";
import { User } from "./users.ts";

export const HealthStatus = z.enum(["ok", "degraded", "down"]);

export const ServiceHealth = z.object({
  status: HealthStatus,
  instances: z.int(),
  latencyMs: z.number().nullable(),
});

/** `system.health`: the gateway's view of every service, from NATS service discovery. */
export const SystemHealth = z.object({
  status: HealthStatus,
  services: z.object({
    users: ServiceHealth,
    payments: ServiceHealth,
    notifications: ServiceHealth,
    search: ServiceHealth,
  }),
});
export type SystemHealth = z.infer<typeof SystemHealth>;

/** `me.overview`: one screen's worth of the caller's data; parts whose service is down are null. */
export const Overview = z.object({
  user: User,
  recentPayments: z.array(Payment).nullable(),
  unreadNotifications: z.int().nullable(),
  degraded: z.array(z.string()),
});
export type Overview = z.infer<typeof Overview>;
