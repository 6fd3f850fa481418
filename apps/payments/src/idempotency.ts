import { fail } from "@portico/kit";
import { and, eq, lt, sql } from "drizzle-orm";
import type { PaymentsDb, PaymentsTx } from "./db.ts";
import { idempotencyKeys } from "./schema.ts";

/** Which request a key is presented with. */
export interface KeyRequest {
  userId: string;
  key: string;
  operation: "charge" | "refund";
  /** Parameters that must match for a duplicate to count as the same request. */
  params: Record<string, string | number | null>;
}

/** This attempt owns the key: it does the work and completes (or releases) the claim. */
export interface Claim {
  keyId: string;
  lockToken: string;
}

export type ClaimOutcome = { owner: Claim } | { replay: unknown };

export interface IdempotencyOptions {
  leaseMs: number;
  waitMs: number;
}

/** sha256 over the operation and its parameters in a fixed order. */
export function fingerprintOf(operation: string, params: Record<string, string | number | null>): string {
  const entries = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1));
  return new Bun.CryptoHasher("sha256").update(JSON.stringify([operation, entries])).digest("hex");
}

const inProgress = () =>
  fail.conflict("A request with this idempotency key is still in progress; retry it shortly");
const reused = () => fail.conflict("This idempotency key was already used with different parameters");

/** Idempotency keys enforced by Postgres: a unique (user, key) row decides which concurrent attempt owns a request. */
export function createIdempotency(db: PaymentsDb, opts: IdempotencyOptions) {
  const leaseUntil = () => sql`now() + ${`${opts.leaseMs} milliseconds`}::interval`;

  async function tryInsert(req: KeyRequest, fingerprint: string): Promise<Claim | undefined> {
    const lockToken = crypto.randomUUID();
    const [row] = await db
      .insert(idempotencyKeys)
      .values({
        userId: req.userId,
        key: req.key,
        operation: req.operation,
        fingerprint,
        lockToken,
        lockedUntil: leaseUntil(),
      })
      .onConflictDoNothing()
      .returning({ keyId: idempotencyKeys.id });
    return row ? { keyId: row.keyId, lockToken } : undefined;
  }

  /** Resumes a key whose owner let its lease lapse (crashed or hung); the same key id keeps the processor reference. */
  async function tryTakeOver(keyId: string): Promise<Claim | undefined> {
    const lockToken = crypto.randomUUID();
    const [row] = await db
      .update(idempotencyKeys)
      .set({ lockToken, lockedUntil: leaseUntil() })
      .where(
        and(
          eq(idempotencyKeys.id, keyId),
          eq(idempotencyKeys.state, "in_flight"),
          lt(idempotencyKeys.lockedUntil, sql`now()`),
        ),
      )
      .returning({ keyId: idempotencyKeys.id });
    return row ? { keyId: row.keyId, lockToken } : undefined;
  }

  return {
    /**
     * Claims a key for this attempt, or returns the original answer of a completed duplicate. A
     * duplicate of an in-flight request waits for it (up to `waitMs` and the deadline), then
     * answers a retryable CONFLICT; other parameters under the same key are a CONFLICT at once.
     */
    async claim(req: KeyRequest, deadline: number): Promise<ClaimOutcome> {
      const fingerprint = fingerprintOf(req.operation, req.params);
      const giveUpAt = Math.min(Date.now() + opts.waitMs, deadline - 50);
      let pause = 5;
      for (;;) {
        const owner = await tryInsert(req, fingerprint);
        if (owner) return { owner };
        const [row] = await db
          .select({
            id: idempotencyKeys.id,
            fingerprint: idempotencyKeys.fingerprint,
            state: idempotencyKeys.state,
            response: idempotencyKeys.response,
            lapsed: sql<boolean>`${idempotencyKeys.lockedUntil} < now()`,
          })
          .from(idempotencyKeys)
          .where(and(eq(idempotencyKeys.userId, req.userId), eq(idempotencyKeys.key, req.key)));
        if (row) {
          if (row.fingerprint !== fingerprint) throw reused();
          if (row.state === "completed") return { replay: row.response };
          if (row.lapsed) {
            const resumed = await tryTakeOver(row.id);
            if (resumed) return { owner: resumed };
          }
        }
        // The key is in flight (or was just released): wait for its owner, then look again.
        if (Date.now() + pause > giveUpAt) throw inProgress();
        await Bun.sleep(pause);
        pause = Math.min(pause * 2, 50);
      }
    },

    /** Stores the answer in the same transaction as the work; fails if another attempt took the key over meanwhile. */
    async complete(tx: PaymentsTx, claim: Claim, response: unknown): Promise<void> {
      const done = await tx
        .update(idempotencyKeys)
        .set({ state: "completed", response, completedAt: sql`now()` })
        .where(
          and(
            eq(idempotencyKeys.id, claim.keyId),
            eq(idempotencyKeys.lockToken, claim.lockToken),
            eq(idempotencyKeys.state, "in_flight"),
          ),
        )
        .returning({ id: idempotencyKeys.id });
      if (done.length !== 1) throw inProgress();
    },

    /** Gives the key back when the request failed before any money moved, so a corrected retry may use it. */
    async release(claim: Claim): Promise<void> {
      await db
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.id, claim.keyId),
            eq(idempotencyKeys.lockToken, claim.lockToken),
            eq(idempotencyKeys.state, "in_flight"),
          ),
        );
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;

/** Deletes keys older than `ttlHours` (at least 24 h by configuration); returns how many went. */
export async function deleteExpiredKeys(db: PaymentsDb, ttlHours: number): Promise<number> {
  const gone = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, sql`now() - ${`${ttlHours} hours`}::interval`))
    .returning({ id: idempotencyKeys.id });
  return gone.length;
}
