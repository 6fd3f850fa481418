import type { payments } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import * as schema from "../schema.ts";
import { paymentColumns, toPayment } from "../views.ts";
import type { PaymentsDeps } from "./deps.ts";

const t = schema.payments;

/**
 * The caller's payments, newest first. The cursor is the last item's (created_at, id), so pages
 * neither repeat nor skip items while new payments arrive (those land before the first page).
 */
export const list =
  ({ db }: PaymentsDeps): HandlerFor<typeof payments.procedures.list> =>
  async ({ limit, cursor, status }, ctx) => {
    const where: SQL[] = [eq(t.userId, ctx.user.userId)];
    if (status) where.push(eq(t.status, status));
    if (cursor) {
      const after = decodeCursor(cursor);
      where.push(sql`(${t.createdAt}, ${t.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
    }
    const rows = await db
      .select(paymentColumns(t))
      .from(t)
      .where(and(...where))
      .orderBy(desc(t.createdAt), desc(t.id))
      .limit(limit + 1);
    const items = rows.slice(0, limit).map(toPayment);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  };
