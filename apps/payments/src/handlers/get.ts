import type { payments } from "@portico/contracts";
import { fail, type HandlerFor } from "@portico/kit";
import { and, eq } from "drizzle-orm";
import * as schema from "../schema.ts";
import { paymentColumns, toPayment } from "../views.ts";
import type { PaymentsDeps } from "./deps.ts";

/** One of the caller's own payments; anyone else's is NOT_FOUND, exactly like a missing one. */
export const get =
  ({ db }: PaymentsDeps): HandlerFor<typeof payments.procedures.get> =>
  async ({ id }, ctx) => {
    const [row] = await db
      .select(paymentColumns(schema.payments))
      .from(schema.payments)
      .where(and(eq(schema.payments.id, id), eq(schema.payments.userId, ctx.user.userId)));
    if (!row) throw fail.notFound("Payment");
    return toPayment(row);
  };
