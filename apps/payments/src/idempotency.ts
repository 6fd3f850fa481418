import { createBatcher, fail, type ItemOutcome } from "@portico/kit";
import { jsonRecords, newId } from "@portico/kit/db";
import { and, eq, isNotNull, lt, type SQL, sql } from "drizzle-orm";
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

/** An in-flight charge nobody owns any more: what was asked, so it can be finished. */
export interface AbandonedCharge {
  keyId: string;
  userId: string;
  request: Record<string, string | number | null> | null;
}

export type ClaimOutcome = { owner: Claim } | { replay: unknown };

export interface IdempotencyOptions {
  leaseMs: number;
  waitMs: number;
}

/** A claim's answer to store, for `completionStatement`. */
export interface Completion {
  claim: Claim;
  response: unknown;
}

/** sha256 over the operation and its parameters in a fixed order. */
export function fingerprintOf(operation: string, params: Record<string, string | number | null>): string {
  const entries = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1));
  return new Bun.CryptoHasher("sha256").update(JSON.stringify([operation, entries])).digest("hex");
}

/** The error of a request whose key is owned by another attempt. */
export const keyInProgress = () =>
  fail.conflict("A request with this idempotency key is still in progress; retry it shortly");
const reused = () => fail.conflict("This idempotency key was already used with different parameters");

/** Idempotency keys enforced by Postgres: a unique (user, key) row decides which concurrent attempt owns a request. */
export function createIdempotency(db: PaymentsDb, opts: IdempotencyOptions) {
  const leaseUntil = () => sql`now() + ${`${opts.leaseMs} milliseconds`}::interval`;

  const userKey = (userId: string, key: string) => `${userId}\u0000${key}`;

  /**
   * Claims of requests that arrive together go out as one insert (and one commit). Only the first
   * of several attempts with the same key in a batch competes; the others find its row.
   */
  const claims = createBatcher<{ req: KeyRequest; fingerprint: string }, Claim | undefined>({
    maxSize: 100,
    maxConcurrent: 4,
    async run(items): Promise<ItemOutcome<Claim | undefined>[]> {
      const lockTokens = items.map(() => crypto.randomUUID());
      const competing = new Map<string, number>();
      items.forEach(({ req }, i) => {
        const k = userKey(req.userId, req.key);
        if (!competing.has(k)) competing.set(k, i);
      });
      // Rows in key order, so concurrent batches sharing keys lock them in the same order (no deadlock).
      const rows = [...competing.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, i], ord) => {
          const { req, fingerprint } = items[i] as (typeof items)[number];
          return {
            ord,
            id: newId(),
            user_id: req.userId,
            key: req.key,
            operation: req.operation,
            fingerprint,
            lock_token: lockTokens[i],
            request: req.params,
          };
        });
      const won = await db.execute<{ id: string; user_id: string; key: string }>(sql`
        insert into ${idempotencyKeys} (id, user_id, key, operation, fingerprint, lock_token, locked_until, request)
        select r.id, r.user_id, r.key, r.operation, r.fingerprint, r.lock_token, ${leaseUntil()}, r.request
        from ${jsonRecords(rows)}
          as r(ord integer, id uuid, user_id uuid, key text, operation text, fingerprint text, lock_token uuid,
            request jsonb)
        order by r.ord
        on conflict do nothing
        returning id, user_id, key`);
      const owners = new Map<number, string>();
      for (const row of won) {
        const i = competing.get(userKey(row.user_id, row.key));
        if (i !== undefined) owners.set(i, row.id);
      }
      return items.map((_, i) => {
        const keyId = owners.get(i);
        return { ok: true, value: keyId ? { keyId, lockToken: lockTokens[i] as string } : undefined };
      });
    },
  });

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
        const owner = await claims.submit({ req, fingerprint });
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
        if (Date.now() + pause > giveUpAt) throw keyInProgress();
        await Bun.sleep(pause);
        pause = Math.min(pause * 2, 50);
      }
    },

    /** Stores the answer in the same transaction as the work; fails if another attempt took the key over meanwhile. */
    async complete(tx: PaymentsTx, claim: Claim, response: unknown): Promise<void> {
      const done = await tx.execute<{ id: string }>(completionStatement([{ claim, response }]));
      if (!done.some((row) => row.id === claim.keyId)) throw keyInProgress();
    },

    /** Resumes a key whose lease lapsed, for the reconciler; undefined if another attempt got it first. */
    takeOver: tryTakeOver,

    /**
     * Ends this attempt's lease at once, after money moved but the work could not be recorded: a
     * retry or the reconciler may resume the key now instead of after the lease.
     */
    async abandon(claim: Claim): Promise<void> {
      await db
        .update(idempotencyKeys)
        .set({ lockedUntil: sql`now() - interval '1 millisecond'` })
        .where(
          and(
            eq(idempotencyKeys.id, claim.keyId),
            eq(idempotencyKeys.lockToken, claim.lockToken),
            eq(idempotencyKeys.state, "in_flight"),
          ),
        );
    },

    /** In-flight charges whose lease lapsed (owner crashed, or recording failed), oldest first. */
    async abandonedCharges(limit: number): Promise<AbandonedCharge[]> {
      const rows = await db
        .select({
          keyId: idempotencyKeys.id,
          userId: idempotencyKeys.userId,
          request: idempotencyKeys.request,
        })
        .from(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.state, "in_flight"),
            eq(idempotencyKeys.operation, "charge"),
            lt(idempotencyKeys.lockedUntil, sql`now()`),
            isNotNull(idempotencyKeys.request),
          ),
        )
        .orderBy(idempotencyKeys.lockedUntil)
        .limit(limit);
      return rows;
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

/**
 * The statement that stores the answers of claims still owned by their attempt (lock token
 * unchanged, still in flight), returning the ids of the keys it completed: alone, or as the first
 * step of a statement that records the work in the same commit (chargeRecorder.ts).
 */
export function completionStatement(completions: Completion[]): SQL {
  const answers = completions.map(({ claim, response }) => ({
    id: claim.keyId,
    lock_token: claim.lockToken,
    response,
  }));
  return sql`
    update ${idempotencyKeys} as k
    set state = 'completed', response = v.response, completed_at = now()
    from ${jsonRecords(answers)} as v(id uuid, lock_token uuid, response jsonb)
    where k.id = v.id and k.lock_token = v.lock_token and k.state = 'in_flight'
    returning k.id`;
}

/**
 * Deletes completed keys older than `ttlHours` (at least 24 h by configuration); returns how many
 * went. Keys still in flight are kept whatever their age: they are the only trace of work the
 * processor may have done, until the reconciler or a retry finishes it.
 */
export async function deleteExpiredKeys(db: PaymentsDb, ttlHours: number): Promise<number> {
  const gone = await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.state, "completed"),
        lt(idempotencyKeys.createdAt, sql`now() - ${`${ttlHours} hours`}::interval`),
      ),
    )
    .returning({ id: idempotencyKeys.id });
  return gone.length;
}
