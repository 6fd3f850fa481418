const entities: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};
/** The search service HTML-escapes snippets; React escapes again, so turn the entities back into text. */
const decodeEntities = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => entities[e] ?? e);

/** A search snippet whose `<mark>…</mark>` parts are highlighted; everything else is shown as plain text. */
export function Snippet({ text }: { text: string }) {
  // Odd parts sat between <mark> and </mark>; a part's position is its identity (parts never reorder).
  const parts = text
    .split(/<\/?mark>/)
    .map((part, i) => ({ key: `${i}:${part}`, marked: i % 2 === 1, part }));
  return (
    <span>
      {parts.map(({ key, marked, part }) =>
        marked ? (
          <mark key={key}>{decodeEntities(part)}</mark>
        ) : (
          <span key={key}>{decodeEntities(part)}</span>
        ),
      )}
    </span>
  );
}
