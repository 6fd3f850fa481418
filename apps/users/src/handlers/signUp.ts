import { userEvents, type users } from "@portico/contracts";
import { fail, type HandlerFor } from "@portico/kit";
import { enqueueEvent, isUniqueViolation } from "@portico/kit/db";
import { sql } from "drizzle-orm";
import * as schema from "../schema.ts";
import type { UsersDeps } from "./deps.ts";

const emailTaken = () => fail.conflict("An account with this email already exists");

/** Creates an account and its first session; announces `user.created`. */
export const signUp =
  ({ db, passwords, sessions, policy }: UsersDeps): HandlerFor<typeof users.procedures.signUp> =>
  async ({ email, password, name }, ctx) => {
    policy.check(password, { email, name });
    const [existing] = await db
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(sql`lower(${schema.users.email}) = lower(${email})`);
    if (existing) throw emailTaken();
    const passwordHash = await passwords.hash(password);
    try {
      return await db.transaction(async (tx) => {
        const [user] = await tx.insert(schema.users).values({ email, name, passwordHash }).returning();
        if (!user) throw new Error("insert returned no row");
        await enqueueEvent(
          tx,
          schema.outbox,
          userEvents.created,
          { userId: user.id, name: user.name, createdAt: user.createdAt.toISOString() },
          ctx.request,
        );
        return sessions.start(tx, user);
      });
    } catch (error) {
      // Two sign-ups with the same email at once: the unique index decides.
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  };
