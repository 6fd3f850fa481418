import { z } from "zod";

/** A public EC P-256 key as configured (`KEY_SET_PUBLIC_KEY`): no private part. */
export const PublicEcJwk = z
  .looseObject({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string() })
  .refine((jwk) => !("d" in jwk), 'Must be a public key (no "d")');
