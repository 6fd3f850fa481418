import { join } from "node:path";
import { fail } from "@portico/kit";

const hashOf = (password: string) =>
  new DataView(new Bun.CryptoHasher("sha256").update(password.toLowerCase()).digest().buffer).getBigUint64(0);

/**
 * Passwords seen in breaches or lists of common choices (data/common-passwords.bin, built by
 * scripts/security/commonPasswords.ts): truncated SHA-256 hashes of their lowercase forms, sorted,
 * searched by bisection.
 */
async function loadCommonPasswords(): Promise<(password: string) => boolean> {
  const bytes = await Bun.file(join(import.meta.dir, "..", "data", "common-passwords.bin")).arrayBuffer();
  const hashes = new BigUint64Array(bytes);
  return (password) => {
    const wanted = hashOf(password);
    let low = 0;
    let high = hashes.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const value = hashes[mid] as bigint;
      if (value === wanted) return true;
      if (value < wanted) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  };
}

/** One character repeated, or a run up or down the alphabet or digits (`aaaaaaaa`, `12345678`, `hgfedcba`). */
function trivial(password: string): boolean {
  const codes = [...password.toLowerCase()].map((c) => c.codePointAt(0) ?? 0);
  const steps = new Set(codes.slice(1).map((code, i) => code - (codes[i] ?? 0)));
  return steps.size === 1 && [0, 1, -1].includes([...steps][0] ?? 2);
}

/** Refuses new passwords that are common, breached, trivial or made of the account's own email or name. */
export async function createPasswordPolicy() {
  const isCommon = await loadCommonPasswords();
  const refuse = (why: string) =>
    fail.badRequest("Invalid input: password", { formErrors: [], fieldErrors: { password: [why] } });
  return {
    check(password: string, account: { email: string; name: string }): void {
      if (isCommon(password)) {
        throw refuse("This password appears in lists of breached or common passwords; choose another");
      }
      if (trivial(password)) throw refuse("This password is too easy to guess; choose another");
      const lower = password.toLowerCase();
      const own = [account.email.split("@")[0] ?? "", account.email, account.name]
        .map((part) => part.toLowerCase().replace(/\s+/g, ""))
        .filter((part) => part.length >= 4);
      if (own.some((part) => lower.replace(/\s+/g, "").includes(part) && part.length * 2 >= lower.length)) {
        throw refuse("This password is mostly your email or name; choose another");
      }
    },
  };
}
export type PasswordPolicy = Awaited<ReturnType<typeof createPasswordPolicy>>;
