import { createPorticoClient, type RouterOutputs } from "@portico/client";
import { useSyncExternalStore } from "react";

export type Session = RouterOutputs["users"]["signIn"];

// Tokens live in memory only: a reload signs the user out, nothing is left in storage for scripts to read.
let session: Session | null = null;
const listeners = new Set<() => void>();

/** Replaces the current session (null: signed out) and re-renders every component that uses it. */
export function setSession(next: Session | null): void {
  session = next;
  for (const listener of listeners) listener();
}

/** The current session, or null when signed out. */
export const currentSession = (): Session | null => session;

/** React hook: the current session, re-rendered on sign-in, refresh and sign-out. */
export function useSession(): Session | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => session,
  );
}

/** Trades the refresh token for a new session; signs out when that fails (reused or revoked token). */
async function refreshSession(): Promise<boolean> {
  const refreshToken = session?.refreshToken;
  if (!refreshToken) return false;
  try {
    setSession(await api.users.refresh.mutate({ refreshToken }));
    return true;
  } catch {
    setSession(null);
    return false;
  }
}

/** The typed client, same origin as the page (the gateway serves this app at /app/). */
export const api = createPorticoClient({
  url: window.location.origin,
  getAccessToken: () => session?.accessToken,
  refreshSession,
});
