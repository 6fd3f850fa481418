import type { ChargeRecorder } from "../chargeRecorder.ts";
import type { PaymentsDb } from "../db.ts";
import type { Idempotency } from "../idempotency.ts";
import type { Processor } from "../processor/processor.ts";

/** What the payments handlers work with. */
export interface PaymentsDeps {
  db: PaymentsDb;
  processor: Processor;
  keys: Idempotency;
  charges: ChargeRecorder;
}
