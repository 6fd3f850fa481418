import { loadEnv, serviceEnv } from "@portico/kit";
import { z } from "zod";

const seconds = z.coerce.number().int().positive();

/** The users service's configuration, validated at start. */
export const usersEnvSchema = serviceEnv.extend({
  DATABASE_URL: serviceEnv.shape.DATABASE_URL.default(
    "postgres://portico_users:portico_users@127.0.0.1:5432/portico",
  ),
  REFRESH_TOKEN_TTL_SECONDS: seconds.default(30 * 24 * 3600),
  /** Failed sign-ins one email may have before each further try must wait. */
  SIGN_IN_FREE_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** The longest such wait (it doubles per failure from 1 s). */
  SIGN_IN_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** argon2id memory cost in KiB and passes (OWASP's recommended minimum by default). */
  PASSWORD_MEMORY_KIB: z.coerce.number().int().min(1024).default(19_456),
  PASSWORD_TIME_COST: z.coerce.number().int().min(1).max(10).default(2),
  /** A JSON file of private signing keys (first one signs); unset: keys live in the users schema. */
  JWT_SIGNING_KEYS_FILE: z.string().optional(),
  /**
   * A JSON file holding the private JWK (ES256) the published key set is signed with; verifiers
   * pin its public half (KEY_SET_PUBLIC_KEY). `bun run start` makes one in .secrets/.
   */
  KEY_SET_PRIVATE_KEY_FILE: z.string().optional(),
  /** The same key inline (JSON), where a file cannot be mounted; the file wins when both are set. */
  KEY_SET_PRIVATE_KEY: z.string().optional(),
  /**
   * 32 random bytes, base64url: the key-encryption key private signing keys are sealed with in the
   * users schema (required unless JWT_SIGNING_KEYS_FILE is set). `bun run start` makes one in .secrets/.
   */
  SIGNING_KEYS_KEK: z.string().optional(),
  /** How often each instance reloads the signing keys (rotations reach every instance within it). */
  SIGNING_KEYS_RELOAD_MS: z.coerce.number().int().positive().default(60_000),
});
export type UsersEnv = z.output<typeof usersEnvSchema>;

export const loadUsersEnv = (source?: Record<string, string | undefined>) => loadEnv(usersEnvSchema, source);
