import type { RouterOutputs } from "@portico/client";
import { useCallback, useEffect, useState } from "react";
import { describeError } from "../errors.ts";
import { api } from "../session.ts";
import { NotificationList } from "./NotificationList.tsx";

type Notification = RouterOutputs["notifications"]["list"]["items"][number];

/**
 * The bell with the unread count. It follows `notifications.onNotification` live: once the stream is
 * open it loads the current state, then each new notification is shown at once and the count re-read.
 */
export function NotificationBell({ onNotification }: { onNotification: (n: Notification) => void }) {
  const [items, setItems] = useState<Notification[]>([]);
  const [unread, setUnread] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [page, count] = await Promise.all([
        api.notifications.list.query({ limit: 10 }),
        api.notifications.unreadCount.query(),
      ]);
      setItems(page.items);
      setUnread(count.count);
      setError(null);
    } catch (e) {
      setError(describeError(e).message);
    }
  }, []);

  useEffect(() => {
    const subscription = api.notifications.onNotification.subscribe(undefined, {
      onStarted: () => void reload(),
      onData: (item) => {
        setItems((current) => (current.some((n) => n.id === item.id) ? current : [item, ...current]));
        onNotification(item);
        void reload();
      },
      onError: (e) => setError(describeError(e).message),
    });
    return () => subscription.unsubscribe();
  }, [reload, onNotification]);

  // Escape closes the panel, wherever the focus is.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && setOpen(false);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  async function markAllRead() {
    await api.notifications.markRead.mutate({ all: true }).catch((e) => setError(describeError(e).message));
    await reload();
  }

  return (
    <div>
      <button
        type="button"
        className="bell"
        aria-expanded={open}
        aria-controls="notification-panel"
        onClick={() => setOpen(!open)}
      >
        Notifications
        <span className="badge" data-testid="unread-count">
          {unread ?? "…"}
        </span>
      </button>
      {open && (
        <div id="notification-panel" className="panel">
          {error && <p className="error">{error}</p>}
          <NotificationList items={items} />
          <button type="button" onClick={markAllRead} disabled={!unread}>
            Mark all read
          </button>
        </div>
      )}
    </div>
  );
}
