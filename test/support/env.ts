import { loadEnv } from "@portico/kit";
import { z } from "zod";

/**
 * Where the suite finds Postgres and the machine's shared NATS (no auth). In-process tests use
 * that server in namespaces of their own; process stacks get a secured server each (stack.ts).
 */
const testEnv = loadEnv(
  z.object({
    DATABASE_ADMIN_URL: z.url().default("postgres://postgres@127.0.0.1:5432/portico"),
    NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  }),
);

export const adminUrl = testEnv.DATABASE_ADMIN_URL;
export const natsUrl = testEnv.NATS_URL;

/** The environment of an in-process service on the shared test server, which has no users. */
export const sharedNatsEnv = { NATS_URL: natsUrl, PORTICO_INSECURE_NATS: "1" } as const;

/** A service role's connection URL (local trust auth: the password is the role name). */
export function serviceDatabaseUrl(service: string): string {
  const url = new URL(adminUrl);
  url.username = `portico_${service}`;
  url.password = `portico_${service}`;
  return url.toString();
}

/** A namespace of its own for each test stack, so stacks sharing one NATS never see each other. */
export function uniqueNamespace(): string {
  return `t${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}
