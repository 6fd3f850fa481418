import type { search as searchContract } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import { decodeCursor } from "../query/cursor.ts";
import { parseQuery } from "../query/parse.ts";
import { search } from "../query/search.ts";
import type { SearchDeps } from "./deps.ts";

/** Ranked, typo-tolerant search over users (everyone's) and payments (the caller's own only). */
export const query =
  ({ db, namespace }: SearchDeps): HandlerFor<typeof searchContract.procedures.query> =>
  (input, ctx) =>
    search(db, {
      namespace,
      userId: ctx.user.userId,
      query: parseQuery(input.q),
      types: input.types ?? ["user", "payment"],
      limit: input.limit,
      ...(input.cursor ? { after: decodeCursor(input.cursor) } : {}),
    });
