import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { forEachLine } from "@portico/kit";
import type { Subprocess } from "bun";
import { connect, NatsError } from "nats";
import { freePort, listening } from "./support/ports.ts";
import { uniqueEmail } from "./support/stack.ts";

// `bun run start` as a developer runs it, with default settings: it brings up its own NATS with the
// generated users and permissions, every process connects as its own user, and nobody else gets in.
const root = join(import.meta.dir, "..");
const gatewayPort = freePort();
const natsPort = freePort();
const store = mkdtempSync(join(tmpdir(), "portico-start-"));
let supervisor: Subprocess<"ignore", "pipe", "pipe">;
let output = "";

beforeAll(async () => {
  supervisor = Bun.spawn(["bun", "scripts/run.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: String(gatewayPort),
      HOST: "127.0.0.1",
      PORTICO_NATS_PORT: String(natsPort),
      PORTICO_NATS_STORE: store,
      PASSWORD_MEMORY_KIB: "1024",
      PASSWORD_TIME_COST: "1",
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  void forEachLine(supervisor.stdout, (line) => {
    output += `${line}\n`;
  });
  const until = Date.now() + 30_000;
  while (!output.includes("Portico is up") && Date.now() < until) await Bun.sleep(100);
  if (!output.includes("Portico is up")) throw new Error(`bun run start did not come up:\n${output}`);
}, 40_000);

afterAll(async () => {
  supervisor?.kill("SIGTERM");
  await supervisor?.exited;
  rmSync(store, { recursive: true, force: true });
});

describe("bun run start with default settings", () => {
  test("the system works, each process on the bus as its own user", async () => {
    const signUp = await fetch(`http://127.0.0.1:${gatewayPort}/trpc/users.signUp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: uniqueEmail("start"), password: "correct horse battery", name: "Start" }),
    });
    expect(signUp.status).toBe(200);
    const session = (await signUp.json()) as { result: { data: { accessToken: string } } };
    // The gateway verifies the token with keys from a set signed by the pinned key-set key.
    const me = await fetch(`http://127.0.0.1:${gatewayPort}/trpc/users.me`, {
      headers: { authorization: `Bearer ${session.result.data.accessToken}` },
    });
    expect(me.status).toBe(200);
    const list = await fetch(`http://127.0.0.1:${gatewayPort}/trpc/payments.list`, {
      headers: { authorization: `Bearer ${session.result.data.accessToken}` },
    });
    expect(list.status).toBe(200);
    const health = (await (await fetch(`http://127.0.0.1:${gatewayPort}/trpc/system.health`)).json()) as {
      result: { data: { status: string } };
    };
    expect(health.result.data.status).toBe("ok");
    for (const app of ["gateway", "users", "payments", "notifications", "search"]) {
      expect(output).toMatch(new RegExp(`connected to NATS server=127\\.0\\.0\\.1:${natsPort} user=${app}`));
    }
    expect(output).not.toContain("INSECURE");
  });

  test("an unauthenticated NATS client cannot connect, nor one with a made-up user", async () => {
    for (const credentials of [{}, { user: "mallory", pass: "guess" }, { user: "users", pass: "users" }]) {
      const outcome = await connect({
        servers: `127.0.0.1:${natsPort}`,
        reconnect: false,
        ...credentials,
      }).then(
        async (nc) => {
          await nc.close();
          return "connected";
        },
        (error: unknown) => (error instanceof NatsError ? error.code : String(error)),
      );
      expect(outcome).toBe("AUTHORIZATION_VIOLATION");
    }
  });

  test("stopping it stops the bus it started", async () => {
    supervisor.kill("SIGTERM");
    expect(await supervisor.exited).toBe(0);
    expect(await listening(natsPort)).toBe(false);
    expect(await listening(gatewayPort)).toBe(false);
  });
});
