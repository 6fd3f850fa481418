import { describe, expect, test } from "bun:test";
import { z } from "zod";
import {
  defineService,
  mutation,
  payments,
  plainText,
  search,
  services,
  text,
  unguardedStrings,
  users,
} from "../src/index.ts";

const halfEmoji = "gift \ud83d";
const lowAlone = "\udc00 tail";
const nul = "ab\u0000cd";

const fieldsOf = (result: z.ZodSafeParseResult<unknown>) =>
  result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));

describe("string fields refuse what Postgres cannot store", () => {
  test("every input of every service has no unguarded string field", () => {
    for (const service of Object.values(services)) {
      for (const proc of Object.values(service.procedures)) {
        expect({ proc: `${service.name}.${proc.name}`, unguarded: unguardedStrings(proc.input) }).toEqual({
          proc: `${service.name}.${proc.name}`,
          unguarded: [],
        });
      }
    }
  });

  test("a contract with a plain z.string() field is refused when it is defined, naming the field", () => {
    expect(() =>
      defineService("shop", {
        order: mutation({
          access: "user",
          input: z.object({ items: z.array(z.object({ note: z.string().max(10) })) }),
          output: z.object({}),
        }),
      }),
    ).toThrow(
      "shop.order: string fields must be built from text() in @portico/contracts fields.ts: input.items[].note",
    );
  });

  test("NUL and unpaired surrogates are refused naming the field; paired surrogates pass", () => {
    const charge = payments.procedures.charge.input;
    const base = { amount: 100, currency: "USD", source: "tok_visa", idempotencyKey: "k1" };
    expect(fieldsOf(charge.safeParse({ ...base, description: halfEmoji }))).toEqual(["description"]);
    expect(fieldsOf(charge.safeParse({ ...base, description: lowAlone }))).toEqual(["description"]);
    expect(fieldsOf(charge.safeParse({ ...base, idempotencyKey: nul }))).toEqual(["idempotencyKey"]);
    expect(fieldsOf(charge.safeParse({ ...base, source: `tok_visa${halfEmoji}` }))).toEqual(["source"]);
    expect(fieldsOf(charge.safeParse({ ...base, description: "gift 🎁 ünïcödé 漢字" }))).toEqual([]);
    expect(fieldsOf(search.procedures.query.input.safeParse({ q: nul }))).toEqual(["q"]);
    expect(fieldsOf(users.procedures.updateProfile.input.safeParse({ name: `Ann ${halfEmoji}` }))).toEqual([
      "name",
    ]);
    expect(fieldsOf(users.procedures.signIn.input.safeParse({ email: "a@b.co", password: nul }))).toEqual([
      "password",
    ]);
  });

  test("text() and plainText() keep their other bounds", () => {
    expect(text().max(3).safeParse("abcd").success).toBe(false);
    expect(plainText(1, 5).parse("  ab  ")).toBe("ab");
    expect(plainText(1, 5).safeParse("a\u202Eb").success).toBe(false);
  });
});
