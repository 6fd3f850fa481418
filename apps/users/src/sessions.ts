import type { Session } from "@portico/contracts";
import { fail } from "@portico/kit";
import { and, eq, isNull } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "./schema.ts";
import type { SigningKeys } from "./signingKeys.ts";
import { toUser } from "./views.ts";

type Db = PostgresJsDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
type UserRow = typeof schema.users.$inferSelect;

/** Refresh tokens are 256 random bits; only their SHA-256 is stored. */
function newRefreshToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

function hashToken(token: string): string {
  return new Bun.CryptoHasher("sha256").update(token).digest("base64url");
}

/**
 * Issues, rotates and revokes sessions (a refresh-token family plus short-lived access tokens).
 * `endSessions` makes ended sessions known beyond this service: their access tokens are refused
 * by every verifier and their live streams close.
 */
export function createSessions(deps: {
  db: Db;
  keys: SigningKeys;
  refreshTtlSeconds: number;
  endSessions: (sessionIds: string[]) => Promise<void>;
}) {
  const { db, keys } = deps;

  /** Stores a new refresh token in `familyId` and signs an access token for it. */
  async function issue(tx: Tx, user: UserRow, familyId: string): Promise<Session> {
    const refreshToken = newRefreshToken();
    await tx.insert(schema.refreshTokens).values({
      userId: user.id,
      familyId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + deps.refreshTtlSeconds * 1000),
    });
    const access = await keys.sign({ userId: user.id, sessionId: familyId });
    return {
      user: toUser(user),
      accessToken: access.token,
      refreshToken,
      expiresAt: access.expiresAt.toISOString(),
    };
  }

  async function revokeFamily(tx: Tx | Db, familyId: string): Promise<void> {
    await tx
      .update(schema.refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(schema.refreshTokens.familyId, familyId), isNull(schema.refreshTokens.revokedAt)));
  }

  return {
    /** Starts a new session family for a user who just proved who they are. */
    start: (tx: Tx, user: UserRow) => issue(tx, user, crypto.randomUUID()),

    /**
     * Exchanges a refresh token for a new session in the same family. A token presented twice means
     * it was stolen or replayed: the whole family is revoked and the caller must sign in again.
     */
    async rotate(refreshToken: string): Promise<Session> {
      const outcome = await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(schema.refreshTokens)
          .where(eq(schema.refreshTokens.tokenHash, hashToken(refreshToken)))
          .for("update");
        if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now())
          return { kind: "invalid" } as const;
        if (row.usedAt) {
          await revokeFamily(tx, row.familyId);
          return { kind: "reused", familyId: row.familyId } as const;
        }
        await tx
          .update(schema.refreshTokens)
          .set({ usedAt: new Date() })
          .where(eq(schema.refreshTokens.id, row.id));
        const [user] = await tx.select().from(schema.users).where(eq(schema.users.id, row.userId));
        if (!user) return { kind: "invalid" } as const;
        return { kind: "ok", session: await issue(tx, user, row.familyId) } as const;
      });
      if (outcome.kind === "ok") return outcome.session;
      if (outcome.kind === "reused") await deps.endSessions([outcome.familyId]);
      throw fail.unauthorized(
        outcome.kind === "reused"
          ? "Refresh token was already used; the session has been revoked"
          : "Invalid or expired refresh token",
      );
    },

    /**
     * Ends the caller's current session, and the session of `refreshToken` if it is the caller's;
     * returns the ids of the sessions ended, once they are known to have ended everywhere.
     */
    async end(userId: string, sessionId: string, refreshToken?: string): Promise<string[]> {
      const ended = await db.transaction(async (tx) => {
        await revokeFamily(tx, sessionId);
        if (!refreshToken) return [sessionId];
        const [row] = await tx
          .select({ familyId: schema.refreshTokens.familyId })
          .from(schema.refreshTokens)
          .where(
            and(
              eq(schema.refreshTokens.tokenHash, hashToken(refreshToken)),
              eq(schema.refreshTokens.userId, userId),
            ),
          );
        if (!row || row.familyId === sessionId) return [sessionId];
        await revokeFamily(tx, row.familyId);
        return [sessionId, row.familyId];
      });
      await deps.endSessions(ended);
      return ended;
    },
  };
}
export type Sessions = ReturnType<typeof createSessions>;
