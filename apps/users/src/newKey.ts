// `bun run users:new-key`: prints a new ES256 private key as a JWK, for the file named by
// JWT_SIGNING_KEYS_FILE (put it first in "keys" to start signing with it).
import { runMain } from "@portico/kit";
import { newKeyPair } from "./databaseKeys.ts";

runMain(async () => {
  const { privateJwk } = await newKeyPair();
  console.log(JSON.stringify(privateJwk));
});
