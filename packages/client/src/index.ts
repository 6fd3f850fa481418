import type { AppRouter } from "@portico/gateway/router";
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  TRPCClientError,
} from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { refreshOnUnauthorizedLink } from "./refreshLink.ts";

export type { AppRouter };
/** Input types of every procedure: `RouterInputs["users"]["signUp"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Output types of every procedure: `RouterOutputs["payments"]["charge"]`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type PorticoClient = TRPCClient<AppRouter>;
export type PorticoClientError = TRPCClientError<AppRouter>;

export interface PorticoClientOptions {
  /** The gateway's base URL, e.g. `http://localhost:3000`. */
  url: string;
  /** The current access token, if signed in; asked for on every request, so a refreshed token is picked up. */
  getAccessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Extra headers for every request (e.g. `x-request-id`). */
  headers?: () => Record<string, string>;
  fetch?: typeof fetch;
  /**
   * The EventSource implementation for subscriptions; browsers have one built in. In Bun or Node,
   * pass a ponyfill such as the `eventsource` package's `EventSource`.
   */
  EventSource?: typeof globalThis.EventSource;
  /**
   * Called when a query or mutation is refused with `UNAUTHORIZED` (e.g. the access token expired):
   * obtain a new token (typically `users.refresh`) and resolve true to have the call retried once.
   */
  refreshSession?: () => Promise<boolean>;
}

/**
 * A typed client for the Portico gateway: batched HTTP for queries and mutations, SSE for
 * subscriptions, the bearer token added to each call.
 */
export function createPorticoClient(opts: PorticoClientOptions): PorticoClient {
  const endpoint = `${opts.url.replace(/\/$/, "")}/trpc`;
  const headers = async (): Promise<Record<string, string>> => {
    const token = await opts.getAccessToken?.();
    return { ...(opts.headers?.() ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  };
  return createTRPCClient<AppRouter>({
    links: [
      ...(opts.refreshSession ? [refreshOnUnauthorizedLink<AppRouter>(opts.refreshSession)] : []),
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: endpoint,
          ...(opts.EventSource ? { EventSource: opts.EventSource } : {}),
          // Browsers' EventSource cannot send headers; the token rides in connection params instead.
          connectionParams: async () => {
            const token = await opts.getAccessToken?.();
            return token ? { authorization: `Bearer ${token}` } : {};
          },
        }),
        false: httpBatchLink({ url: endpoint, headers, ...(opts.fetch ? { fetch: opts.fetch } : {}) }),
      }),
    ],
  });
}

/** True when an error from the client is the gateway answering with `code`. */
export function isPorticoError(error: unknown, code: string): error is PorticoClientError {
  return error instanceof TRPCClientError && (error.data as { code?: unknown } | undefined)?.code === code;
}

export { errorCodeOf, fieldErrorsOf, retryAfterOf } from "./errors.ts";
export { refreshOnUnauthorizedLink } from "./refreshLink.ts";
export { TRPCClientError };
