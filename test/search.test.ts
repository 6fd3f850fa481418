import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { PorticoClient } from "@portico/client";
import type { Hit } from "@portico/contracts";
import postgres from "postgres";
import { serviceDatabaseUrl } from "./support/env.ts";
import { errorCode } from "./support/errors.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";

// Search as a frontend sees it: users and payments produce events, search indexes them, the gateway serves queries.
let stack: Stack;
let alice: Person;
let alicia: Person;
let bob: Person;
const emailToken = `qz${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;

interface Person {
  api: PorticoClient;
  userId: string;
}

async function signUp(name: string, email = uniqueEmail("searcher")): Promise<Person> {
  const s = await stack.client().users.signUp.mutate({ email, password: "correct horse", name });
  return { api: stack.client(() => s.accessToken), userId: s.user.id };
}

/** Polls `fn` until `accept` holds or five seconds pass; returns the last value either way. */
async function until<T>(fn: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  let value = await fn();
  while (!accept(value) && Date.now() < deadline) {
    await Bun.sleep(20);
    value = await fn();
  }
  return value;
}

const ids = (hits: Hit[]) => hits.map((h) => h.id);
const find = async (who: Person, q: string, types?: Array<"user" | "payment">) =>
  (await who.api.search.query.query({ q, ...(types ? { types } : {}) })).items;

beforeAll(async () => {
  stack = await Stack.start({ services: ["users", "payments", "search"] });
  [alice, alicia, bob] = await Promise.all([
    signUp("Alice Johnson", `${emailToken}@example.test`),
    signUp("Alicia Keys"),
    signUp("Bob Stone"),
    signUp("<script>alert(1)</script> Mallory"),
  ]);
  const charge = (who: Person, description: string, amount: number) =>
    who.api.payments.charge.mutate({
      amount,
      currency: "USD",
      source: "tok_visa",
      description,
      idempotencyKey: crypto.randomUUID(),
    });
  await Promise.all([charge(alice, "Opera tickets for two", 12_050), charge(bob, "Opera glasses", 4_999)]);
  // Everything above is indexed once the last event of each kind is searchable.
  await until(
    () => find(bob, "opera"),
    (hits) => hits.length === 1,
  );
  await until(
    () => find(alice, "mallory"),
    (hits) => hits.length === 1,
  );
}, 30_000);

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
  // The index is shared by every stack (one namespace each): leave no documents behind.
  const sql = postgres(serviceDatabaseUrl("search"), { max: 1, onnotice: () => undefined });
  await sql`delete from search.documents where namespace = ${stack?.namespace ?? ""}`;
  await sql.end();
});

describe("search through the gateway", () => {
  test("a prefix finds every name starting with it, and nothing else", async () => {
    const hits = await until(
      () => find(bob, "ali", ["user"]),
      (h) => h.length >= 2,
    );
    expect(ids(hits).sort()).toEqual([alice.userId, alicia.userId].sort());
    expect(hits.every((h) => h.type === "user")).toBe(true);
    expect(hits.find((h) => h.id === alice.userId)?.snippet).toBe("<mark>Alice</mark> Johnson");
  });

  test("a misspelt name still finds the person, best match first", async () => {
    const hits = await find(bob, "alcie");
    expect(hits[0]?.id).toBe(alice.userId);
    expect(hits[0]?.snippet).toBe("<mark>Alice</mark> Johnson");
  });

  test("a quoted full name ranks that exact name first", async () => {
    const hits = await find(bob, '"alice johnson"');
    expect(hits[0]).toMatchObject({ id: alice.userId, title: "Alice Johnson" });
    expect(ids(await find(bob, "alice -johnson"))).not.toContain(alice.userId);
  });

  test("payments are visible to their owner only", async () => {
    const mine = await find(alice, "opera");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ type: "payment", title: "Opera tickets for two" });
    expect(mine[0]?.snippet).toBe("<mark>Opera</mark> tickets for two · 120.50 USD · succeeded");
    const bobs = await find(bob, "opera");
    expect(bobs.map((h) => h.title)).toEqual(["Opera glasses"]);
    expect(await find(alicia, "opera")).toEqual([]);
    expect(await find(alicia, "opera glasses tickets")).toEqual([]);
  });

  test("email addresses are never indexed", async () => {
    expect(await find(bob, emailToken)).toEqual([]);
    expect(await find(bob, `${emailToken}@example.test`)).toEqual([]);
  });

  test("snippets escape HTML and mark only matched words", async () => {
    const [hit] = await find(alice, "mallory");
    expect(hit?.snippet).toBe("&lt;script&gt;alert(1)&lt;/script&gt; <mark>Mallory</mark>");
    expect(hit?.title).toBe("<script>alert(1)</script> Mallory");
  });

  test("blank queries are rejected; stop words or punctuation only find nothing", async () => {
    expect(await errorCode(alice.api.search.query.query({ q: "   " }))).toBe("BAD_REQUEST");
    expect(await errorCode(alice.api.search.query.query({ q: "x".repeat(201) }))).toBe("BAD_REQUEST");
    expect(await errorCode(stack.client().search.query.query({ q: "alice" }))).toBe("UNAUTHORIZED");
    expect(await find(alice, "the and of")).toEqual([]);
    expect(await find(alice, "!!! ... ?")).toEqual([]);
  });

  test("pages follow each other without duplicates or gaps", async () => {
    const all = await find(bob, "ali");
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await bob.api.search.query.query({ q: "ali", limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...ids(page.items));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids(all));
    expect(await errorCode(bob.api.search.query.query({ q: "ali", cursor: "nonsense" }))).toBe("BAD_REQUEST");
  });

  test("a renamed user is found by the new name and no longer by the old", async () => {
    await bob.api.users.updateProfile.mutate({ name: "Robert Paulson" });
    const renamed = await until(
      () => find(alice, "paulson"),
      (h) => h.length > 0,
    );
    expect(ids(renamed)).toEqual([bob.userId]);
    expect(ids(await find(alice, "stone", ["user"]))).not.toContain(bob.userId);
  });

  test("a refund updates the payment's document", async () => {
    const {
      items: [payment],
    } = await alice.api.payments.list.query({});
    if (!payment) throw new Error("alice has a payment");
    await alice.api.payments.refund.mutate({ paymentId: payment.id, idempotencyKey: crypto.randomUUID() });
    const hits = await until(
      () => find(alice, "refunded"),
      (h) => h.length > 0,
    );
    expect(hits[0]?.snippet).toBe("Opera tickets for two · 120.50 USD · <mark>refunded</mark>");
  });

  test("rebuilding the index from the event stream twice gives identical results", async () => {
    const queries = ["ali", "alcie", '"alice johnson"', "opera", "paulson", "mallory", "refunded"];
    const snapshot = () => Promise.all(queries.map((q) => find(alice, q)));
    const before = await snapshot();
    for (let run = 0; run < 2; run++) {
      const proc = Bun.spawn(["bun", "run", "search:reindex"], {
        env: { ...process.env, ...stack.processEnvOf("search"), LOG_LEVEL: "warn" },
        stdout: "pipe",
        stderr: "pipe",
      });
      const code = await proc.exited;
      expect(code === 0 ? "" : await new Response(proc.stderr).text()).toBe("");
    }
    expect(await snapshot()).toEqual(before);
  }, 30_000);
});
