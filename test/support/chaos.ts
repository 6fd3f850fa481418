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
          .users.signUp.mutate({ email: uniqueEmail(label), password: "password123", name: "Chaos" });
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
