import { describe, expect, test } from "bun:test";
import { users } from "@portico/contracts";
import { newRequestContext, type ServiceError } from "@portico/kit";
import { uniqueEmail } from "../../../test/support/stack.ts";
import { codeOf, inProcessUsers } from "./support.ts";

// Password guessing against the users service itself (the gateway's per-IP limits aside): a
// per-account wait after a few failures, and new passwords checked against breach lists.
const usersService = inProcessUsers({ SIGN_IN_FREE_FAILURES: "5", SIGN_IN_MAX_DELAY_SECONDS: "2" });
const call = usersService.call;
const ctx = () => newRequestContext(5000);
const outcome = codeOf;

const signIn = (email: string, password: string) =>
  outcome(call().call(users.procedures.signIn, { email, password }, ctx()));

describe("password guessing", () => {
  test("20 wrong passwords for one account: after 5, tries are refused without checking the password", async () => {
    const email = uniqueEmail("guess");
    await call().call(users.procedures.signUp, { email, password: "correct horse", name: "Target" }, ctx());
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) outcomes.push(await signIn(email, `wrong guess ${i}`));
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill("UNAUTHORIZED"));
    expect(outcomes.slice(5).every((o) => o === "TOO_MANY_REQUESTS")).toBe(true);
    // While it must wait, even the right password is refused: guessing gains nothing.
    expect(await signIn(email, "correct horse")).toBe("TOO_MANY_REQUESTS");
    // Another account is unaffected, and so is an unknown email's own count.
    const other = uniqueEmail("bystander");
    await call().call(users.procedures.signUp, { email: other, password: "correct horse", name: "B" }, ctx());
    expect(await signIn(other, "correct horse")).toBe("ok");
  });

  test("an email without an account is throttled the same way, so the answers reveal nothing", async () => {
    const nobody = uniqueEmail("nobody");
    const outcomes: string[] = [];
    for (let i = 0; i < 7; i++) outcomes.push(await signIn(nobody, `guess ${i}`));
    expect(outcomes).toEqual([...Array(5).fill("UNAUTHORIZED"), "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
  });

  test("after the wait the owner signs in, and a success starts the count again", async () => {
    const email = uniqueEmail("owner");
    await call().call(users.procedures.signUp, { email, password: "correct horse", name: "Owner" }, ctx());
    for (let i = 0; i < 5; i++) await signIn(email, `wrong ${i}`);
    expect(await signIn(email, "wrong again")).toBe("TOO_MANY_REQUESTS");
    let signedIn = "TOO_MANY_REQUESTS";
    for (let i = 0; i < 40 && signedIn === "TOO_MANY_REQUESTS"; i++) {
      await Bun.sleep(100);
      signedIn = await signIn(email, "correct horse");
    }
    expect(signedIn).toBe("ok");
    expect(await signIn(email, "one slip")).toBe("UNAUTHORIZED");
    expect(await signIn(email, "correct horse")).toBe("ok");
  });

  test("a breached, common or trivial password, or one made of the email, is refused at sign-up naming the field", async () => {
    for (const password of ["password1", "iloveyou12", "qwertyuiop", "aaaaaaaaaa", "87654321"]) {
      const attempt = call().call(
        users.procedures.signUp,
        { email: uniqueEmail("weak"), password, name: "Weak" },
        ctx(),
      );
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect({
        password,
        code: (error as ServiceError)?.code,
        fields: Object.keys((error as ServiceError)?.validation?.fieldErrors ?? {}),
      }).toEqual({
        password,
        code: "BAD_REQUEST",
        fields: ["password"],
      });
    }
    const email = `${"margaretha".repeat(1)}.${crypto.randomUUID().slice(0, 4)}@example.test`;
    expect(
      await outcome(call().call(users.procedures.signUp, { email, password: email, name: "M" }, ctx())),
    ).toBe("BAD_REQUEST");
    expect(
      await outcome(
        call().call(
          users.procedures.signUp,
          { email: uniqueEmail("fine"), password: "staple battery horse", name: "F" },
          ctx(),
        ),
      ),
    ).toBe("ok");
  });
});
