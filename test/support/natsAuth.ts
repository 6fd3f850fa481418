import { encodeJson } from "@portico/kit";
import { type MsgHdrs, type NatsConnection, NatsError, ErrorCode as NatsErrorCode } from "nats";
import type { AuthNats } from "./authNats.ts";
import { type AppName, Stack, uniqueEmail } from "./stack.ts";

export { AuthNats } from "./authNats.ts";

/**
 * A stack on its own auth-enabled NATS (as every Stack is by default), with the bus at hand for
 * tests that play other identities on it.
 */
export class SecuredStack implements AsyncDisposable {
  private constructor(
    readonly nats: AuthNats,
    readonly stack: Stack,
  ) {}

  static async start(services: AppName[]): Promise<SecuredStack> {
    const stack = await Stack.start({ services });
    if (!stack.bus) throw new Error("a default stack runs on its own secured bus");
    return new SecuredStack(stack.bus, stack);
  }

  /** A new user, signed up through the gateway, and a client calling as them. */
  async signUp(name: string) {
    const session = await this.stack
      .client()
      .users.signUp.mutate({ email: uniqueEmail("nats"), password: "correct horse", name });
    return { session, api: this.stack.client(() => session.accessToken) };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stack[Symbol.asyncDispose]();
  }
}

/** How a request ended: "answered", or the NATS error code (PERMISSIONS_VIOLATION when refused). */
export async function requestOutcome(
  nc: NatsConnection,
  subject: string,
  data?: Uint8Array,
  h?: MsgHdrs,
  timeout = 2000,
) {
  try {
    await nc.request(subject, data, { timeout, ...(h ? { headers: h } : {}) });
    return "answered";
  } catch (error) {
    if (error instanceof NatsError) return error.code;
    throw error;
  }
}

/** Subscribes to each subject; resolves with those the server accepted (it refuses the rest before the flush's PONG). */
export async function accepted(nc: NatsConnection, subjects: string[]): Promise<string[]> {
  const refused = new Set<string>();
  const subs = subjects.map((subject) =>
    nc.subscribe(subject, {
      callback: (error) => {
        if (error?.code === NatsErrorCode.PermissionsViolation) refused.add(subject);
      },
    }),
  );
  await nc.flush();
  for (const sub of subs) sub.unsubscribe();
  return subjects.filter((subject) => !refused.has(subject));
}

/** Publishes to each subject as a request (as JetStream publishes do); resolves with those not refused. */
export async function publishable(nc: NatsConnection, subjects: string[]): Promise<string[]> {
  const open: string[] = [];
  for (const subject of subjects) {
    if ((await requestOutcome(nc, subject, encodeJson({}))) !== NatsErrorCode.PermissionsViolation) {
      open.push(subject);
    }
  }
  return open;
}
