import { describe, expect, test } from "bun:test";
import { ThrowawayNats } from "../packages/kit/test/support/natsServer.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";

async function waitForStatus(url: string, status: number): Promise<number> {
  const until = Date.now() + 10_000;
  let last = 0;
  while (Date.now() < until) {
    last = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (last === status) return last;
    await Bun.sleep(100);
  }
  return last;
}

describe("gateway lifecycle", () => {
  test("/readyz turns 503 while NATS is gone and 200 once it is back; /healthz stays 200", async () => {
    await using nats = new ThrowawayNats();
    await nats.start();
    await using stack = await Stack.start({ services: [], env: { NATS_URL: nats.url } });
    expect(await waitForStatus(`${stack.url}/readyz`, 200)).toBe(200);
    await nats.stop();
    expect(await waitForStatus(`${stack.url}/readyz`, 503)).toBe(503);
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    await nats.start();
    expect(await waitForStatus(`${stack.url}/readyz`, 200)).toBe(200);
  }, 60_000);

  test("SIGTERM lets a request in flight finish, then the gateway exits cleanly", async () => {
    // Costly password hashing keeps a sign-up in flight long enough to stop the gateway under it.
    await using stack = await Stack.start({
      services: ["users"],
      env: { PASSWORD_MEMORY_KIB: "131072", PASSWORD_TIME_COST: "4" },
    });
    const email = uniqueEmail("drain");
    const inFlight = stack
      .client()
      .users.signUp.mutate({ email, password: "password-for-tests", name: "Drain" });
    await Bun.sleep(30);
    const exitCode = stack.gateway?.stop();
    const session = await inFlight;
    expect(session.user.email).toBe(email);
    expect(await exitCode).toBe(0);
    expect(
      await fetch(`${stack.url}/healthz`).then(
        () => "answered",
        () => "refused",
      ),
    ).toBe("refused");
  }, 60_000);
});
