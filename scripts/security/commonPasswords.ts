// `bun scripts/security/commonPasswords.ts <words.txt>`: rebuilds apps/users/data/common-passwords.bin,
// the list of breached and common passwords new passwords are checked against
// (apps/users/src/passwordPolicy.ts). The input has one password per line (or comma-separated),
// e.g. the breach-derived dictionary of the `@zxcvbn-ts/language-common` package from the npm
// registry. Only passwords a sign-up could choose (8–128 characters) are kept; each is stored as
// the first 8 bytes of the SHA-256 of its lowercase form, sorted, so the file is compact and
// reveals no password.
import { join } from "node:path";
import { parseArgs } from "node:util";

const usage = "usage: bun scripts/security/commonPasswords.ts <words.txt>";
const { positionals, values } = parseArgs({
  options: { help: { type: "boolean", short: "h" } },
  allowPositionals: true,
  strict: true,
});
if (values.help || positionals.length !== 1) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
const text = await Bun.file(positionals[0] ?? "").text();
const words = new Set(
  text
    .split(/[\n,]/)
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w.length >= 8 && w.length <= 128),
);
const hashes = new BigUint64Array(words.size);
let i = 0;
for (const word of words) {
  hashes[i++] = new DataView(new Bun.CryptoHasher("sha256").update(word).digest().buffer).getBigUint64(0);
}
hashes.sort();
const out = join(import.meta.dir, "..", "..", "apps", "users", "data", "common-passwords.bin");
await Bun.write(out, new Uint8Array(hashes.buffer));
console.log(`${out}: ${hashes.length} passwords`);
