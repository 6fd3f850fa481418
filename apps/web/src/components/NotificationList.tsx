import type { RouterOutputs } from "@portico/client";

type Notification = RouterOutputs["notifications"]["list"]["items"][number];

/** Notifications newest first; unread ones in bold. */
export function NotificationList({ items }: { items: Notification[] }) {
  if (items.length === 0) return <p className="muted">No notifications yet.</p>;
  return (
    <ul aria-label="Notifications">
      {items.map((n) => (
        <li key={n.id} className={n.readAt ? "" : "unread"} data-kind={n.kind}>
          <div>{n.title}</div>
          <div className="muted">{n.body}</div>
        </li>
      ))}
    </ul>
  );
}
