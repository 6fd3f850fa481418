import { describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { createDatabase } from "../src/db/database.ts";
import { loadEnv } from "../src/env.ts";
import { createLogger } from "../src/log.ts";

const adminUrl = loadEnv(
  z.object({ DATABASE_ADMIN_URL: z.url().default("postgres://postgres@127.0.0.1:5432/portico") }),
).DATABASE_ADMIN_URL;

describe("logging a failed statement", () => {
  test("keeps Postgres's code and message and drops the statement's parameters", async () => {
    const lines: string[] = [];
    const log = createLogger({ service: "log-test" }, "debug", (line) => lines.push(line));
    const database = createDatabase(adminUrl, {}, { max: 1, appName: "kit-test-log" });
    const secret = `hunter2-${crypto.randomUUID()}`;
    try {
      await database.db.execute(sql`select ${secret}::text as leaked, 1 / 0 as boom`);
      throw new Error("the statement must fail");
    } catch (error) {
      log.error("statement failed", { error });
    } finally {
      await database.close();
    }
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? "";
    expect(line).not.toContain(secret);
    expect(line).not.toContain("hunter2");
    const { error } = JSON.parse(line) as { error: { cause: { code: string; message: string } } };
    expect(error.cause).toMatchObject({ code: "22012", message: "division by zero" });
  });
});
