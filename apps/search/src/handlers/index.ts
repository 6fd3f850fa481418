import type { search } from "@portico/contracts";
import type { Handlers } from "@portico/kit";
import type { SearchDeps } from "./deps.ts";
import { query } from "./query.ts";

export type { SearchDeps } from "./deps.ts";

/** Every capability of the search service. */
export const createHandlers = (deps: SearchDeps): Handlers<typeof search> => ({
  query: query(deps),
});
