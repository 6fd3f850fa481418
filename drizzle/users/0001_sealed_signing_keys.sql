ALTER TABLE "users"."signing_keys" ALTER COLUMN "private_jwk" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "users"."signing_keys" ADD COLUMN "sealed_private_key" jsonb;--> statement-breakpoint
ALTER TABLE "users"."signing_keys" ADD COLUMN "kek_id" text;--> statement-breakpoint
ALTER TABLE "users"."signing_keys" ADD COLUMN "revoked_at" timestamp with time zone;