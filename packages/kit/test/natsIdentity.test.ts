import { describe, expect, test } from "bun:test";
import { ConfigError } from "../src/env.ts";
import { createLogger } from "../src/log.ts";
import { connectNats } from "../src/nats.ts";
import { sharedNatsUrl } from "./support/sharedNats.ts";

describe("connecting to NATS", () => {
  test("without credentials a process refuses to connect, naming what to set", async () => {
    const lines: string[] = [];
    const log = createLogger({}, "debug", (line) => lines.push(line));
    const refused = connectNats({ url: sharedNatsUrl, name: "no-identity", log });
    expect(refused).rejects.toThrow(ConfigError);
    expect(refused).rejects.toThrow(/NATS_USER and NATS_PASSWORD: required.*PORTICO_INSECURE_NATS=1/s);
    await refused.catch(() => undefined);
    expect(lines).toEqual([]);
  });

  test("a user without a password (or the reverse) is a configuration error", async () => {
    const log = createLogger({}, "error", () => undefined);
    expect(connectNats({ url: sharedNatsUrl, name: "half", log, user: "users" })).rejects.toThrow(
      /set both or neither/,
    );
  });

  test("PORTICO_INSECURE_NATS connects without credentials and says so loudly", async () => {
    const lines: string[] = [];
    const log = createLogger({}, "info", (line) => lines.push(line));
    const nc = await connectNats({ url: sharedNatsUrl, name: "insecure", log, insecure: true });
    await nc.close();
    const warning = lines
      .map((l) => JSON.parse(l) as { level: string; msg: string })
      .find((l) => l.level === "warn");
    expect(warning?.msg).toStartWith("INSECURE NATS: connecting without credentials");
  });
});
