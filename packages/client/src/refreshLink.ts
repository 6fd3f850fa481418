import { TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import { observable, type Unsubscribable } from "@trpc/server/observable";

const isUnauthorized = (error: unknown) =>
  error instanceof TRPCClientError && (error.data as { code?: unknown } | undefined)?.code === "UNAUTHORIZED";

/**
 * Retries a query or mutation once after an `UNAUTHORIZED` answer if `refresh()` obtained a new access
 * token (it resolves true). Concurrent failures share one refresh; `users.refresh` itself is never retried.
 */
export function refreshOnUnauthorizedLink<TRouter extends AnyRouter>(
  refresh: () => Promise<boolean>,
): TRPCLink<TRouter> {
  let pending: Promise<boolean> | null = null;
  const refreshOnce = () => {
    pending ??= refresh()
      .catch(() => false)
      .finally(() => {
        pending = null;
      });
    return pending;
  };
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let current: Unsubscribable | null = null;
        let closed = false;
        current = next(op).subscribe({
          next: (value) => observer.next(value),
          complete: () => observer.complete(),
          error: (error) => {
            if (op.type === "subscription" || op.path === "users.refresh" || !isUnauthorized(error)) {
              observer.error(error);
              return;
            }
            void refreshOnce().then((ok) => {
              if (closed) return;
              if (!ok) observer.error(error);
              else current = next(op).subscribe(observer);
            });
          },
        });
        return () => {
          closed = true;
          current?.unsubscribe();
        };
      });
}
