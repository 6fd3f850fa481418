import type { RouterOutputs } from "@portico/client";
import { useState } from "react";
import { api, currentSession, setSession, useSession } from "../session.ts";
import { NotificationBell } from "./NotificationBell.tsx";

type Notification = RouterOutputs["notifications"]["list"]["items"][number];

/** Title bar: who is signed in, the notification bell and sign-out. */
export function Header({ onNotification }: { onNotification: (n: Notification) => void }) {
  const session = useSession();
  const [busy, setBusy] = useState(false);

  async function signOut() {
    setBusy(true);
    const refreshToken = currentSession()?.refreshToken;
    // Signing out locally must work even if the call fails (e.g. users is down).
    await api.users.signOut.mutate(refreshToken ? { refreshToken } : {}).catch(() => undefined);
    setSession(null);
    setBusy(false);
  }

  return (
    <header>
      <h1>Portico</h1>
      {session && (
        <>
          <span data-testid="signed-in-as">{session.user.name}</span>
          <NotificationBell onNotification={onNotification} />
          <button type="button" onClick={signOut} disabled={busy}>
            Sign out
          </button>
        </>
      )}
    </header>
  );
}
