import { ErrorCode } from "@portico/contracts";
import { ServiceError } from "@portico/kit";
import { eq, sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "./schema.ts";

type Db = PostgresJsDatabase<typeof schema>;

export interface ThrottleOptions {
  /** Failures allowed before each further try must wait. */
  freeFailures: number;
  /** The longest wait; it doubles per failure up to this. */
  maxDelaySeconds: number;
}

const keyOf = (email: string) =>
  new Bun.CryptoHasher("sha256").update(email.trim().toLowerCase()).digest("base64url");

/**
 * Per-account brake on password guessing, shared by every instance through the users schema. It
 * counts failures per email (whether an account has it or not, so the answers reveal nothing);
 * from the `freeFailures`-th on, each failure makes the next try wait 1, 2, 4 … s, up to `maxDelaySeconds`.
 * A success clears the count. The wait is per account, not per client, so spreading guesses over
 * many addresses does not help; an attacker can delay the owner by at most `maxDelaySeconds`.
 */
export function createSignInThrottle(db: Db, opts: ThrottleOptions) {
  return {
    /** Refuses with TOO_MANY_REQUESTS while the account must wait. */
    async check(email: string): Promise<void> {
      const [row] = await db
        .select({
          wait: sql<number>`ceil(extract(epoch from ${schema.signInFailures.blockedUntil} - now()))`,
        })
        .from(schema.signInFailures)
        .where(eq(schema.signInFailures.emailHash, keyOf(email)));
      const wait = Number(row?.wait ?? 0);
      if (wait > 0) {
        throw new ServiceError(
          ErrorCode.TOO_MANY_REQUESTS,
          `Too many failed sign-ins for this account; try again in ${wait} s`,
        );
      }
    },

    /** Counts a failure and sets the wait the next try must respect. */
    async failed(email: string): Promise<void> {
      const { failures } = schema.signInFailures;
      await db
        .insert(schema.signInFailures)
        .values({ emailHash: keyOf(email), failures: 1 })
        .onConflictDoUpdate({
          target: schema.signInFailures.emailHash,
          set: {
            failures: sql`${failures} + 1`,
            updatedAt: sql`now()`,
            blockedUntil: sql`case when ${failures} + 1 >= ${opts.freeFailures}
              then now() + make_interval(secs => least(${opts.maxDelaySeconds},
                power(2, least(${failures} + 1 - ${opts.freeFailures}, 30))))
              else null end`,
          },
        });
    },

    /** A correct password: the count starts again. */
    async succeeded(email: string): Promise<void> {
      await db.delete(schema.signInFailures).where(eq(schema.signInFailures.emailHash, keyOf(email)));
    },
  };
}
export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
