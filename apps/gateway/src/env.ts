import { commonEnv, loadEnv } from "@portico/kit";
import { z } from "zod";

const ms = z.coerce.number().int().positive();

/** The gateway's configuration, validated at start. */
export const gatewayEnvSchema = commonEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  /** Budget of each part of a coordinated call such as `me.overview`. */
  PART_TIMEOUT_MS: ms.default(1000),
  /** How long `system.health` waits for service discovery answers. */
  HEALTH_WAIT_MS: ms.default(300),
});
export type GatewayEnv = z.output<typeof gatewayEnvSchema>;

export const loadGatewayEnv = (source?: Record<string, string | undefined>) =>
  loadEnv(gatewayEnvSchema, source);
