/** argon2id hashing with Bun's built-in implementation. */
export interface Passwords {
  hash(password: string): Promise<string>;
  /**
   * Checks a password against a hash. With no hash (unknown account) it checks against a dummy
   * hash of the same cost and answers false, so both failures take the same time.
   */
  verify(password: string, hash: string | undefined): Promise<boolean>;
}

export async function createPasswords(opts: { memoryKib: number; timeCost: number }): Promise<Passwords> {
  const params = { algorithm: "argon2id", memoryCost: opts.memoryKib, timeCost: opts.timeCost } as const;
  const dummy = await Bun.password.hash(crypto.randomUUID(), params);
  return {
    hash: (password) => Bun.password.hash(password, params),
    async verify(password, hash) {
      const ok = await Bun.password.verify(password, hash ?? dummy);
      return hash !== undefined && ok;
    },
  };
}
