import type { RouterOutputs } from "@portico/client";
import { useCallback, useState } from "react";
import { useSession } from "../session.ts";
import { AuthForm } from "./AuthForm.tsx";
import { Dashboard } from "./Dashboard.tsx";
import { Header } from "./Header.tsx";
import { PaymentForm } from "./PaymentForm.tsx";
import { PaymentHistory } from "./PaymentHistory.tsx";
import { ProfileForm } from "./ProfileForm.tsx";
import { SearchBox } from "./SearchBox.tsx";

type Notification = RouterOutputs["notifications"]["list"]["items"][number];
const screens = ["Dashboard", "Pay", "History", "Search", "Profile"] as const;
type Screen = (typeof screens)[number];

/** The app: sign-in when signed out, else the screens behind a tab bar. */
export function App() {
  const session = useSession();
  const [screen, setScreen] = useState<Screen>("Dashboard");
  // Bumped when something changed server-side (a payment, a notification): screens reload their data.
  const [version, setVersion] = useState(0);
  const changed = useCallback(() => setVersion((v) => v + 1), []);
  const onNotification = useCallback((_: Notification) => changed(), [changed]);

  return (
    <>
      <Header onNotification={onNotification} />
      {session && (
        <nav aria-label="Screens">
          {screens.map((s) => (
            <button
              key={s}
              type="button"
              aria-current={s === screen ? "page" : undefined}
              onClick={() => setScreen(s)}
            >
              {s}
            </button>
          ))}
        </nav>
      )}
      <main>
        {!session && <AuthForm />}
        {session && screen === "Dashboard" && <Dashboard version={version} />}
        {session && screen === "Pay" && <PaymentForm onPaid={changed} />}
        {session && screen === "History" && <PaymentHistory version={version} />}
        {session && screen === "Search" && <SearchBox />}
        {session && screen === "Profile" && <ProfileForm />}
      </main>
    </>
  );
}
