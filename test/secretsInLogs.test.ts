import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { adminUrl } from "./support/env.ts";
import { errorCode } from "./support/errors.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";

// Every process logs at debug level here, the most it ever writes; no secret may appear in any line.
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ services: ["users", "payments"], env: { LOG_LEVEL: "debug" } });
}, 60_000);

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
  await admin.end();
}, 30_000);

const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });

/** Makes Postgres refuse inserts into `table` whose `column` equals `value`, as a broken disk or a bug would. */
async function refuseInsert(table: string, column: string, value: string): Promise<() => Promise<void>> {
  const name = `refuse_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await admin.unsafe(`
    create function ${table.split(".")[0]}.${name}() returns trigger language plpgsql as $$
    begin
      if new.${column}::text = '${value}' then raise exception 'insert refused by the test'; end if;
      return new;
    end $$;
    create trigger ${name} before insert on ${table} for each row execute function ${table.split(".")[0]}.${name}();`);
  return async () => {
    await admin.unsafe(`drop trigger ${name} on ${table}; drop function ${table.split(".")[0]}.${name}();`);
  };
}

/** No log line of any process holds a secret, or a recognisable piece of one. */
function expectNoneLogged(secrets: string[]): void {
  const lines = stack.logLines();
  expect(lines.length).toBeGreaterThan(10);
  for (const secret of secrets) {
    // A token's signature is its last segment; a hash or key ends in random characters too.
    const tail = secret.slice(-16);
    expect(lines.filter((l) => l.includes(secret) || l.includes(tail))).toEqual([]);
  }
}

describe("secrets stay out of logs", () => {
  test("passwords, access tokens and refresh tokens of sign-up, sign-in, refresh and a failed sign-in", async () => {
    const password = `pw-${crypto.randomUUID()}`;
    const email = uniqueEmail("secret");
    const api = stack.client();
    const first = await api.users.signUp.mutate({ email, password, name: "Secret Keeper" });
    const second = await api.users.signIn.mutate({ email, password });
    const third = await api.users.refresh.mutate({ refreshToken: second.refreshToken });
    await api.users.signIn.mutate({ email, password: `${password}-wrong` }).catch(() => undefined);
    const authed = stack.client(() => third.accessToken);
    await authed.payments.charge.mutate({
      amount: 500,
      currency: "USD",
      source: "tok_visa",
      idempotencyKey: crypto.randomUUID(),
    });
    await authed.users.signOut.mutate({ refreshToken: third.refreshToken });

    expectNoneLogged(
      [password, first, second, third].flatMap((s) =>
        typeof s === "string" ? [s] : [s.accessToken, s.refreshToken],
      ),
    );
  });

  test("failure paths: a database error during sign-up and a failed charge log no password, hash or parameter", async () => {
    // Sign-up: Postgres refuses the new user's row, after the password was hashed.
    const password = `pw-${crypto.randomUUID()}`;
    const email = uniqueEmail("broken");
    const allowUsers = await refuseInsert("users.users", "email", email);
    try {
      expect(await errorCode(stack.client().users.signUp.mutate({ email, password, name: "Broken" }))).toBe(
        "INTERNAL_SERVER_ERROR",
      );
    } finally {
      await allowUsers();
    }
    // The statement's parameters held the email and the argon2 hash: neither may be logged.
    const [hashed] = await admin<
      { n: number }[]
    >`select count(*)::int as n from users.users where email = ${email}`;
    expect(hashed?.n).toBe(0);

    // A charge Postgres refuses to record after the processor answered.
    const session = await stack
      .client()
      .users.signUp.mutate({ email: uniqueEmail("payer"), password, name: "P" });
    const description = `secret-note-${crypto.randomUUID()}`;
    const allowPayments = await refuseInsert("payments.payments", "description", description);
    try {
      const code = await errorCode(
        stack
          .client(() => session.accessToken)
          .payments.charge.mutate({
            amount: 700,
            currency: "EUR",
            source: "tok_visa",
            description,
            idempotencyKey: crypto.randomUUID(),
          }),
      );
      expect(code).toBe("SERVICE_UNAVAILABLE");
    } finally {
      await allowPayments();
    }
    const lines = stack.logLines();
    expect(lines.some((l) => l.includes("insert refused by the test"))).toBe(true);
    expectNoneLogged([password, email, description, session.accessToken, "$argon2"]);
  });
});
