import type { RouterOutputs } from "@portico/client";
import { useCallback, useEffect, useState } from "react";
import { describeError } from "../errors.ts";
import { api } from "../session.ts";
import { ErrorText } from "./ErrorText.tsx";
import { PaymentRow } from "./PaymentRow.tsx";

type Page = RouterOutputs["payments"]["list"];
const pageSize = 5;

/** The user's payments, newest first, a page at a time; `version` changes reload the current page. */
export function PaymentHistory({ version }: { version: number }) {
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    try {
      setPage(await api.payments.list.query({ limit: pageSize, ...(cursor ? { cursor } : {}) }));
      setError(null);
    } catch (e) {
      setError(describeError(e).message);
    }
  }, [cursor]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new `version` means the data changed: reload.
  useEffect(() => {
    void load();
  }, [load, version]);

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Payment history</h2>
      <ErrorText message={error} />
      {page && page.items.length === 0 && <p>No payments yet.</p>}
      {page && page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Amount</th>
              <th>Status</th>
              <th>Refunded</th>
              <th>
                <span className="muted">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((p) => (
              <PaymentRow key={p.id} payment={p} onRefunded={load} />
            ))}
          </tbody>
        </table>
      )}
      <p>
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>{" "}
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
        >
          Older
        </button>
      </p>
    </section>
  );
}
