CREATE SCHEMA "payments";
--> statement-breakpoint
CREATE TABLE "payments"."idempotency_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"operation" text NOT NULL,
	"fingerprint" text NOT NULL,
	"state" text DEFAULT 'in_flight' NOT NULL,
	"lock_token" uuid NOT NULL,
	"locked_until" timestamp (3) with time zone NOT NULL,
	"response" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp (3) with time zone,
	CONSTRAINT "idempotency_keys_user_key" UNIQUE("user_id","key"),
	CONSTRAINT "idempotency_keys_state" CHECK ("payments"."idempotency_keys"."state" in ('in_flight', 'completed')),
	CONSTRAINT "idempotency_keys_completed" CHECK (("payments"."idempotency_keys"."state" = 'completed') = ("payments"."idempotency_keys"."response" is not null))
);
--> statement-breakpoint
CREATE TABLE "payments"."ledger_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"transaction_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"account" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"payment_id" uuid NOT NULL,
	"refund_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_amount" CHECK ("payments"."ledger_entries"."amount" <> 0),
	CONSTRAINT "ledger_entries_kind" CHECK ("payments"."ledger_entries"."kind" in ('charge', 'refund')),
	CONSTRAINT "ledger_entries_account" CHECK ("payments"."ledger_entries"."account" in ('customer_funding', 'platform_revenue')),
	CONSTRAINT "ledger_entries_refund" CHECK (("payments"."ledger_entries"."kind" = 'refund') = ("payments"."ledger_entries"."refund_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "payments"."outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"subject" text NOT NULL,
	"version" integer NOT NULL,
	"payload" jsonb NOT NULL,
	"headers" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "payments"."payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"idempotency_key_id" uuid NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"failure_code" text,
	"amount_refunded" integer DEFAULT 0 NOT NULL,
	"description" text,
	"processor" text NOT NULL,
	"processor_ref" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_idempotency_key_id_key" UNIQUE("idempotency_key_id"),
	CONSTRAINT "payments_amount" CHECK ("payments"."payments"."amount" > 0),
	CONSTRAINT "payments_status" CHECK ("payments"."payments"."status" in ('succeeded', 'failed')),
	CONSTRAINT "payments_failure" CHECK (("payments"."payments"."status" = 'failed') = ("payments"."payments"."failure_code" is not null)),
	CONSTRAINT "payments_refunded" CHECK ("payments"."payments"."amount_refunded" >= 0 and "payments"."payments"."amount_refunded" <= "payments"."payments"."amount"),
	CONSTRAINT "payments_refund_only_succeeded" CHECK ("payments"."payments"."status" = 'succeeded' or "payments"."payments"."amount_refunded" = 0)
);
--> statement-breakpoint
CREATE TABLE "payments"."refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payment_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"idempotency_key_id" uuid NOT NULL,
	"amount" integer NOT NULL,
	"processor_ref" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_idempotency_key_id_key" UNIQUE("idempotency_key_id"),
	CONSTRAINT "refunds_amount" CHECK ("payments"."refunds"."amount" > 0)
);
--> statement-breakpoint
ALTER TABLE "payments"."ledger_entries" ADD CONSTRAINT "ledger_entries_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "payments"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments"."ledger_entries" ADD CONSTRAINT "ledger_entries_refund_id_refunds_id_fk" FOREIGN KEY ("refund_id") REFERENCES "payments"."refunds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments"."refunds" ADD CONSTRAINT "refunds_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "payments"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_index" ON "payments"."idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ledger_entries_transaction_id_index" ON "payments"."ledger_entries" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "ledger_entries_payment_id_index" ON "payments"."ledger_entries" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "outbox_created_at_index" ON "payments"."outbox" USING btree ("created_at") WHERE "payments"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "payments_user_created_id" ON "payments"."payments" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "refunds_payment_id_index" ON "payments"."refunds" USING btree ("payment_id");