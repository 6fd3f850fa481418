import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gatewayCalls, type ProcedureContract, payments, services } from "@portico/contracts";
import { procedureSubject } from "@portico/kit";
import {
  type Identity,
  identities,
  natsPermissions,
  passwordVariable,
  renderNatsConfig,
} from "@portico/kit/nats-auth";
import { NatsError, ErrorCode as NatsErrorCode } from "nats";
import { AuthNats } from "./support/natsAuth.ts";

// The committed NATS configuration: current with the contracts, accepted by nats-server, and the
// one docker compose runs, with each container given only its own credentials.

const root = join(import.meta.dir, "..");
const committed = join(root, "deploy", "nats", "nats.conf");
const read = (path: string) => readFileSync(join(root, path), "utf8");

describe("the committed NATS configuration", () => {
  test("deploy/nats/nats.conf is what `bun run nats:setup` generates from the contracts", () => {
    // On failure: run `bun run nats:setup` and commit deploy/nats/nats.conf.
    expect(readFileSync(committed, "utf8")).toBe(renderNatsConfig("portico"));
  });

  test("every procedure is served only by its service and requested by the gateway unless internal", () => {
    const permissions = natsPermissions("portico");
    for (const service of Object.values(services)) {
      for (const proc of Object.values(service.procedures as Record<string, ProcedureContract>)) {
        if (proc.kind === "subscription") continue;
        const subject = procedureSubject("portico", proc);
        const servers = identities.filter((i) => permissions[i].subscribe.includes(subject));
        expect(`${subject} served by ${servers}`).toBe(`${subject} served by ${service.name}`);
        expect(permissions.gateway.publish.includes(subject)).toBe(
          proc.access !== "internal" || gatewayCalls.includes(proc),
        );
      }
    }
  });

  describe("run by nats-server", () => {
    let nats: AuthNats;
    beforeAll(async () => {
      nats = new AuthNats("portico", committed);
      await nats.start();
    });
    afterAll(async () => {
      await nats?.[Symbol.asyncDispose]();
    });

    test("each identity connects with its own password; a wrong one, an unknown user or none is refused", async () => {
      for (const identity of identities) {
        const nc = await nats.connectAs(identity);
        await nc.close();
      }
      const refused = NatsErrorCode.AuthorizationViolation;
      expect(await nats.tryConnect({ user: "payments", pass: nats.passwords.notifications })).toBe(refused);
      expect(await nats.tryConnect({ user: "root", pass: nats.passwords.gateway })).toBe(refused);
      expect(await nats.tryConnect({})).toBe(refused);
    });

    test("its permissions hold: notifications cannot request payments.charge, the gateway can", async () => {
      const subject = procedureSubject("portico", payments.procedures.charge);
      const outcome = async (identity: Identity) => {
        const nc = await nats.connectAs(identity);
        try {
          await nc.request(subject, undefined, { timeout: 1000 });
          return "answered";
        } catch (error) {
          return error instanceof NatsError ? error.code : String(error);
        } finally {
          await nc.close();
        }
      };
      expect(await outcome("notifications")).toBe(NatsErrorCode.PermissionsViolation);
      // Allowed, and nobody serves it on this server.
      expect(await outcome("gateway")).toBe(NatsErrorCode.NoResponders);
    });
  });

  test("docker compose runs it and gives each container its own NATS user and password only", () => {
    const compose = Bun.YAML.parse(read("docker-compose.yml")) as {
      services: Record<
        string,
        { command?: string[]; volumes?: string[]; environment?: Record<string, string> }
      >;
    };
    const nats = compose.services.nats;
    expect(nats?.command?.slice(0, 2)).toEqual(["-c", "/etc/nats/nats.conf"]);
    expect(nats?.volumes).toContain("./deploy/nats/nats.conf:/etc/nats/nats.conf:ro");
    expect(Object.keys(nats?.environment ?? {}).sort()).toEqual(identities.map(passwordVariable).sort());
    for (const name of ["gateway", ...Object.keys(services)] as Identity[]) {
      const env = compose.services[name]?.environment ?? {};
      expect(`${name}: ${env.NATS_USER}`).toBe(`${name}: ${name}`);
      expect(env.NATS_PASSWORD).toStartWith(`\${${passwordVariable(name)}:?`);
      const passwords = Object.entries(env).filter(([, v]) => v.includes("_NATS_PASSWORD"));
      expect(passwords.map(([k]) => k)).toEqual(["NATS_PASSWORD"]);
    }
    // The generated passwords stay out of git and out of the image.
    expect(read(".gitignore").split("\n")).toContain(".nats/");
    expect(read(".dockerignore").split("\n")).toContain(".nats");
  });
});
