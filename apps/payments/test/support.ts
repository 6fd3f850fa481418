import type { ProcedureContract } from "@portico/contracts";
import {
  type Caller,
  connectNats,
  createCaller,
  createLogger,
  fail,
  newRequestContext,
  type RunningService,
  ServiceError,
  type TokenVerifier,
} from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import { count, eq, sql } from "drizzle-orm";
import type { NatsConnection } from "nats";
import type { z } from "zod";
import { natsUrl, serviceDatabaseUrl, sharedNatsEnv, uniqueNamespace } from "../../../test/support/env.ts";
import { deleteJetStreamState } from "../../../test/support/stack.ts";
import type { PaymentsDb } from "../src/db.ts";
import { loadPaymentsEnv } from "../src/env.ts";
import { checkLedger, type Violation } from "../src/invariants.ts";
import * as schema from "../src/schema.ts";
import { startPaymentsService } from "../src/service.ts";

// These tests exercise the payments service alone, so a bearer token here is just the user id;
// real tokens are verified in the end-to-end tests through the gateway (test/payments.test.ts).
const userIdToken: TokenVerifier = async (authorization) => {
  const userId = /^Bearer ([0-9a-f-]{36})$/.exec(authorization ?? "")?.[1];
  if (!userId) throw fail.unauthorized();
  return { userId, sessionId: "test" };
};

/** Several in-process payments instances in a namespace of their own, a NATS caller and a database handle. */
export class PaymentsFixture implements AsyncDisposable {
  private constructor(
    readonly namespace: string,
    readonly instances: RunningService[],
    readonly nc: NatsConnection,
    readonly caller: Caller,
    readonly db: PaymentsDb,
    private readonly closeDb: () => Promise<void>,
    /** Payments from here on are this fixture's (and any other test's running at the same time). */
    private readonly startedAt = new Date(Date.now() - 1000),
  ) {}

  /** Starts `instances` payments services (sharing the queue group) with extra env. */
  static async start(
    opts: { instances?: number; env?: Record<string, string> } = {},
  ): Promise<PaymentsFixture> {
    const namespace = uniqueNamespace();
    const env = loadPaymentsEnv({
      ...sharedNatsEnv,
      PORTICO_NAMESPACE: namespace,
      DATABASE_URL: serviceDatabaseUrl("payments"),
      LOG_LEVEL: "warn",
      ...opts.env,
    });
    const instances = await Promise.all(
      Array.from({ length: opts.instances ?? 1 }, () =>
        startPaymentsService(env, { verifyToken: userIdToken }),
      ),
    );
    const nc = await connectNats({
      url: natsUrl,
      name: "payments-test",
      log: createLogger({}, "warn"),
      insecure: true,
    });
    const database = createDatabase(serviceDatabaseUrl("payments"), schema, {
      max: 4,
      appName: "payments-test",
    });
    return new PaymentsFixture(
      namespace,
      instances,
      nc,
      createCaller(nc, namespace),
      database.db,
      database.close,
    );
  }

  /** Calls a payments procedure as `userId`. */
  as(userId: string) {
    return <P extends ProcedureContract>(
      proc: P,
      input: z.input<P["input"]>,
    ): Promise<z.output<P["output"]>> =>
      this.caller.call(proc, input, newRequestContext(10_000, { authorization: `Bearer ${userId}` }));
  }

  /** Outbox events about one payment, by subject. */
  async eventsOf(paymentId: string): Promise<string[]> {
    const rows = await this.db
      .select({ subject: schema.outbox.subject })
      .from(schema.outbox)
      .where(sql`${schema.outbox.payload}->>'paymentId' = ${paymentId}`);
    return rows.map((r) => r.subject).sort();
  }

  /** Ledger lines of one payment. */
  async ledgerOf(paymentId: string) {
    return this.db.select().from(schema.ledgerEntries).where(eq(schema.ledgerEntries.paymentId, paymentId));
  }

  /** How many payments a user has. */
  async paymentCount(userId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(schema.payments)
      .where(eq(schema.payments.userId, userId));
    return row?.n ?? 0;
  }

  /** Requests each instance of this fixture has answered on one endpoint (NATS service stats). */
  async servedPerInstance(endpoint: string): Promise<number[]> {
    const out: number[] = [];
    for await (const s of await this.nc.services.client().stats("payments")) {
      if (s.metadata?.namespace !== this.namespace) continue;
      out.push(s.endpoints?.find((e) => e.name === endpoint)?.num_requests ?? 0);
    }
    return out;
  }

  /** Every ledger invariant violation among the payments made since the fixture started (none expected). */
  violations(): Promise<Violation[]> {
    return checkLedger(this.db, { since: this.startedAt });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop()));
    await this.nc.close();
    await this.closeDb();
    await deleteJetStreamState(this.namespace);
  }
}

/** The code and fields of a failed call, or "ok". */
export async function outcome(call: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  try {
    await call;
    return { code: "ok", fields: [] };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { code: error.code, fields: Object.keys(error.validation?.fieldErrors ?? {}) };
  }
}

/** A fresh user id: each test owns its data. */
export const newUser = () => crypto.randomUUID();
