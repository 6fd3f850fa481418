/** A search snippet whose `<mark>…</mark>` parts are highlighted; everything else is shown as plain text. */
export function Snippet({ text }: { text: string }) {
  const parts = text.split(/<\/?mark>/);
  return (
    <span>
      {parts.map((part, i) =>
        // Odd parts sat between <mark> and </mark>.
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never reorder
        i % 2 === 1 ? <mark key={i}>{part}</mark> : <span key={i}>{part}</span>,
      )}
    </span>
  );
}
