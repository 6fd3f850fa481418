import type { z } from "zod";

/** A fact one service announces and others react to; `version` changes when the payload does. */
export interface EventContract<S extends string = string, P extends z.ZodType = z.ZodType> {
  readonly subject: S;
  readonly version: number;
  readonly payload: P;
}

/** Declares an event. */
export function defineEvent<const S extends string, P extends z.ZodType>(
  subject: S,
  version: number,
  payload: P,
): EventContract<S, P> {
  return { subject, version, payload };
}

export type EventPayload<E extends EventContract> = z.output<E["payload"]>;
