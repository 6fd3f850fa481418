import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type postgres from "postgres";
import { errorCode } from "./errors.ts";
import { type Stack, uniqueEmail } from "./stack.ts";

/** Sign-ups in a loop until stopped: the users who made it, and the codes of the calls that failed. */
export function signUpsUnderLoad(stack: Stack, label: string) {
  const signedUp: string[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const s = await stack
          .client()
          .users.signUp.mutate({ email: uniqueEmail(label), password: "password-for-tests", name: "Chaos" });
        signedUp.push(s.user.id);
      } catch (error) {
        failures.push(await errorCode(Promise.reject(error)));
        await Bun.sleep(50);
      }
    }
  })();
  return {
    signedUp,
    failures,
    async stop(): Promise<void> {
      running = false;
      await loop;
    },
  };
}

/** Welcome notifications per user, waiting up to `timeoutMs` until every user has one. */
export async function welcomesOf(
  sql: postgres.Sql,
  userIds: string[],
  timeoutMs: number,
): Promise<Map<string, number>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await sql<{ user_id: string; n: number }[]>`
      select user_id::text, count(*)::int as n from notifications.notifications
      where kind = 'welcome' and user_id::text in ${sql(userIds)} group by user_id`;
    const counts = new Map(rows.map((r) => [r.user_id, r.n]));
    if (counts.size === userIds.length || Date.now() > until) return counts;
    await Bun.sleep(200);
  }
}

/** One line of the chaos summary: what a scenario sent and how it came out. */
export interface ChaosRow {
  scenario: string;
  requests: number;
  successes: number;
  /** Failures the scenario allows while its fault lasts (e.g. SERVICE_UNAVAILABLE while a service is down). */
  expectedFailures: number;
  unexpectedFailures: number;
  /** Items (payments, notifications, …) lost or written twice; null where the scenario writes none. */
  lostOrDuplicated: number | null;
}

/** Where each scenario's row of the latest run is kept, one JSON file per scenario. */
export const chaosArtifacts = join(import.meta.dir, "..", "..", "test-artifacts", "chaos");

const columns = [
  "scenario",
  "requests",
  "successes",
  "expected failures",
  "unexpected failures",
  "lost/duplicated",
];
const cells = (r: ChaosRow) => [
  r.scenario,
  String(r.requests),
  String(r.successes),
  String(r.expectedFailures),
  String(r.unexpectedFailures),
  r.lostOrDuplicated === null ? "n/a" : String(r.lostOrDuplicated),
];

/**
 * Keeps a scenario's row for the summary (`bun run chaos` prints them all) and prints it at once,
 * so CI logs show it. Call it before the scenario's assertions, so a failing run is recorded too.
 */
export function recordChaosRow(row: ChaosRow): void {
  mkdirSync(chaosArtifacts, { recursive: true });
  const file = `${row.scenario.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}.json`;
  writeFileSync(join(chaosArtifacts, file), `${JSON.stringify({ ...row, at: new Date().toISOString() })}\n`);
  console.log(`chaos row | ${cells(row).join(" | ")}`);
}

/** Every recorded row, in scenario order. */
export function readChaosRows(dir = chaosArtifacts): ChaosRow[] {
  const files = (() => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
  })();
  return files
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as ChaosRow)
    .sort((a, b) => a.scenario.localeCompare(b.scenario, "en", { numeric: true }));
}

/** The rows as a Markdown table. */
export function chaosTable(rows: ChaosRow[]): string {
  const lines = [columns, columns.map((_, i) => (i === 0 ? "---" : "---:")), ...rows.map(cells)];
  return lines.map((l) => `| ${l.join(" | ")} |`).join("\n");
}

/** The row of a sign-up scenario: failed sign-ups must all be SERVICE_UNAVAILABLE, each success one welcome. */
export function signUpRow(
  scenario: string,
  load: { signedUp: string[]; failures: string[] },
  welcomes: Map<string, number>,
): ChaosRow {
  const expected = load.failures.filter((code) => code === "SERVICE_UNAVAILABLE").length;
  const doubled = [...welcomes.values()].filter((n) => n !== 1).length;
  return {
    scenario,
    requests: load.signedUp.length + load.failures.length,
    successes: load.signedUp.length,
    expectedFailures: expected,
    unexpectedFailures: load.failures.length - expected,
    lostOrDuplicated: load.signedUp.length - welcomes.size + doubled,
  };
}
