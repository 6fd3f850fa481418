import type { RouterOutputs } from "@portico/client";
import { useCallback, useEffect, useState } from "react";
import { describeError } from "../errors.ts";
import { formatMoney } from "../money.ts";
import { api } from "../session.ts";
import { ErrorText } from "./ErrorText.tsx";

type Overview = RouterOutputs["me"]["overview"];

/** `me.overview`: the user, recent payments and unread count, naming the parts whose service is down. */
export function Dashboard({ version }: { version: number }) {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setBusy(true);
    try {
      setOverview(await api.me.overview.query());
      setError(null);
    } catch (e) {
      setError(describeError(e).message);
    } finally {
      setBusy(false);
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new `version` means the data changed: reload.
  useEffect(() => {
    void load();
  }, [load, version]);

  return (
    <section aria-labelledby="dashboard-title" aria-busy={busy}>
      <h2 id="dashboard-title">Dashboard</h2>
      <ErrorText message={error} />
      {overview && overview.degraded.length > 0 && (
        <p className="degraded" role="status" data-testid="degraded">
          Degraded: {overview.degraded.join(", ")} unavailable; the rest works.
        </p>
      )}
      {overview && (
        <dl>
          <dt>Signed in as</dt>
          <dd data-testid="overview-user">{overview.user.name}</dd>
          <dt>Unread notifications</dt>
          <dd data-testid="overview-unread">{overview.unreadNotifications ?? "unavailable"}</dd>
          <dt>Recent payments</dt>
          <dd data-testid="overview-payments">
            {overview.recentPayments === null
              ? "unavailable"
              : overview.recentPayments.length === 0
                ? "none yet"
                : overview.recentPayments
                    .map((p) => `${formatMoney(p.amount, p.currency)} ${p.status}`)
                    .join(" · ")}
          </dd>
        </dl>
      )}
      <button type="button" onClick={() => void load()} disabled={busy}>
        Refresh
      </button>
    </section>
  );
}
