import type { z } from "zod";
import { assertStorableInput } from "./storableInput.ts";

/** Who may call a procedure: anyone, a signed-in user (bearer token), or only other Portico processes. */
export type Access = "public" | "user" | "internal";

/**
 * A public procedure's rate-limit group at the gateway: `auth` (credentials: the strict per-IP
 * limit) or `public` (the default per-IP one). User procedures are limited per user.
 */
export type LimitGroup = "auth" | "public";
export type ProcedureKind = "query" | "mutation" | "subscription";

/** A procedure as declared, before it is placed in a service. */
export interface ProcedureSpec<
  K extends ProcedureKind = ProcedureKind,
  A extends Access = Access,
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> {
  readonly kind: K;
  readonly access: A;
  readonly input: I;
  readonly output: O;
  /** Subscriptions only: the per-user NATS subject prefix the owning service publishes on. */
  readonly channel?: string;
  /** Public procedures: the gateway's rate-limit group (default `public`). */
  readonly limit?: LimitGroup;
}

/** A procedure placed in a service: it knows its own name and owner, so a call needs nothing else. */
export type ProcedureContract<
  S extends string = string,
  K extends ProcedureKind = ProcedureKind,
  A extends Access = Access,
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> = ProcedureSpec<K, A, I, O> & { readonly service: S; readonly name: string };

type Specs = Record<string, ProcedureSpec>;

type Placed<S extends string, P extends Specs> = {
  readonly [K in keyof P]: P[K] & { readonly service: S; readonly name: K & string };
};

/** A service's whole request surface. */
export interface ServiceContract<S extends string = string, P extends Specs = Specs> {
  readonly name: S;
  readonly procedures: Placed<S, P>;
}

/** A query: reads, safe to retry. */
export function query<A extends Access, I extends z.ZodType, O extends z.ZodType>(spec: {
  access: A;
  input: I;
  output: O;
}): ProcedureSpec<"query", A, I, O> {
  return { kind: "query", ...spec };
}

/** A mutation: changes state; never retried blindly. */
export function mutation<A extends Access, I extends z.ZodType, O extends z.ZodType>(spec: {
  access: A;
  input: I;
  output: O;
  limit?: LimitGroup;
}): ProcedureSpec<"mutation", A, I, O> {
  return { kind: "mutation", ...spec };
}

/** A per-user live stream: the owning service publishes each item on `<channel>.<userId>`. */
export function subscription<I extends z.ZodType, O extends z.ZodType>(spec: {
  input: I;
  output: O;
  channel: string;
}): ProcedureSpec<"subscription", "user", I, O> {
  return { kind: "subscription", access: "user", ...spec };
}

/** Places procedures in a named service; an input with an unguarded string field is refused here. */
export function defineService<const S extends string, const P extends Specs>(
  name: S,
  procedures: P,
): ServiceContract<S, P> {
  for (const [procName, spec] of Object.entries(procedures))
    assertStorableInput(`${name}.${procName}`, spec.input);
  const placed = Object.fromEntries(
    Object.entries(procedures).map(([procName, spec]) => [
      procName,
      { ...spec, service: name, name: procName },
    ]),
  );
  return { name, procedures: placed as Placed<S, P> };
}

/** Procedures of a service that are answered over request-reply (everything but subscriptions). */
export type RequestProcedureNames<C extends ServiceContract> = {
  [K in keyof C["procedures"]]: C["procedures"][K]["kind"] extends "subscription" ? never : K;
}[keyof C["procedures"]];

/** Procedures a frontend may reach through the gateway (everything but internal ones). */
export type PublicProcedureNames<C extends ServiceContract> = {
  [K in keyof C["procedures"]]: C["procedures"][K]["access"] extends "internal" ? never : K;
}[keyof C["procedures"]];
