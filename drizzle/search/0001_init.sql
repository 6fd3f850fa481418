CREATE SCHEMA "search";
--> statement-breakpoint
CREATE TABLE "search"."documents" (
	"namespace" text NOT NULL,
	"type" text NOT NULL,
	"id" uuid NOT NULL,
	"owner_id" uuid,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"version_rank" bigint NOT NULL,
	"version_at" timestamp with time zone NOT NULL,
	"indexed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, body), 'B')) STORED NOT NULL,
	CONSTRAINT "documents_pkey" PRIMARY KEY("namespace","type","id")
);
--> statement-breakpoint
CREATE TABLE "search"."processed_events" (
	"consumer" text NOT NULL,
	"event_id" text NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_events_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE INDEX "documents_tsv_idx" ON "search"."documents" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "documents_title_trgm_idx" ON "search"."documents" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "documents_owner_idx" ON "search"."documents" USING btree ("namespace","owner_id");