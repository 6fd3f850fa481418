import { describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { z } from "zod";
import { createDatabase } from "../src/db/database.ts";
import { loadEnv } from "../src/env.ts";
import { toErrorBody } from "../src/errors.ts";

const adminUrl = loadEnv(
  z.object({ DATABASE_ADMIN_URL: z.url().default("postgres://postgres@127.0.0.1:5432/portico") }),
).DATABASE_ADMIN_URL;

describe("database pool", () => {
  // Postgres restarting or a proxy dropping connections cuts a transaction whose statements are
  // pipelined (as a charge's are). postgres.js 3.4.9 then wrote to the dead socket from a timer and
  // killed the process (porsager/postgres#1208; patched in patches/postgres@3.4.9.patch).
  test("a transaction cut mid-pipeline fails as SERVICE_UNAVAILABLE and the pool carries on", async () => {
    const database = createDatabase(adminUrl, {}, { max: 2, appName: "kit-test-cut" });
    const killer = postgres(adminUrl, { max: 1, onnotice: () => undefined });
    try {
      for (let i = 0; i < 3; i++) {
        const outcome = await database.db
          .transaction(async (tx) => {
            const [row] = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
            await Promise.all([
              killer`select pg_terminate_backend(${row?.pid ?? 0})`,
              tx.execute(sql`select pg_sleep(0.2)`),
              tx.execute(sql`select 2`),
            ]);
          })
          .then(
            () => "committed",
            (error: unknown) => toErrorBody(error).body.code,
          );
        expect(outcome).toBe("SERVICE_UNAVAILABLE");
      }
      // Writes queued on the dead connections fire on the next turns; they must not throw.
      await Bun.sleep(100);
      expect([...(await database.db.execute(sql`select 1 as ok`))]).toEqual([{ ok: 1 }]);
    } finally {
      await killer.end();
      // Connections that died mid-query keep the pool's end waiting for its 5 s timeout.
      await database.close();
    }
  }, 15_000);
});
