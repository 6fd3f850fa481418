import { z } from "zod";
import { loadEnv } from "../../src/env.ts";

/** The machine's shared NATS (no auth), where kit's tests work in namespaces of their own. */
export const sharedNatsUrl = loadEnv(
  z.object({ NATS_URL: z.string().default("nats://127.0.0.1:4222") }),
).NATS_URL;
