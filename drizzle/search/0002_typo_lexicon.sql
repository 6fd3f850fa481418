CREATE TABLE "search"."words" (
	"word" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
DROP INDEX "search"."documents_title_trgm_idx";--> statement-breakpoint
CREATE INDEX "words_trgm_idx" ON "search"."words" USING gin ("word" gin_trgm_ops);--> statement-breakpoint
INSERT INTO "search"."words" ("word")
SELECT DISTINCT w FROM "search"."documents", regexp_split_to_table(lower(title), '[^[:alnum:]]+') w
WHERE length(w) >= 2 ON CONFLICT DO NOTHING;
