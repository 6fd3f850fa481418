import type { payments } from "@portico/contracts";
import type { Handlers } from "@portico/kit";
import { charge } from "./charge.ts";
import type { PaymentsDeps } from "./deps.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { refund } from "./refund.ts";

export type { PaymentsDeps } from "./deps.ts";

/** Every capability of the payments service. */
export const createHandlers = (deps: PaymentsDeps): Handlers<typeof payments> => ({
  charge: charge(deps),
  refund: refund(deps),
  get: get(deps),
  list: list(deps),
});
