/** Marks ts_headline puts around matched words; control characters never occur in indexed text. */
export const MARK_START = "\u0001";
export const MARK_END = "\u0002";

const markSplitter = new RegExp(`([${MARK_START}${MARK_END}])`, "u");

const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** HTML-escapes text for use in element content or attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const up = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}

/** True when `word` reads as a misspelling (or the start) of one of the query's words. */
function looksLike(word: string, queryWords: string[]): boolean {
  const w = word.toLowerCase();
  return queryWords.some((q) => {
    if (q.length >= 2 && w.startsWith(q)) return true;
    const allowed = q.length <= 2 ? 0 : q.length <= 5 ? 1 : 2;
    return editDistance(w, q) <= allowed;
  });
}

/**
 * Turns ts_headline output into safe HTML: marked words wrapped in `<mark>`, everything else escaped.
 * When full-text search marked nothing (a typo match), words close to the query's words are marked.
 */
export function renderSnippet(marked: string, fuzzyWords: string[]): string {
  if (!marked.includes(MARK_START) && fuzzyWords.length > 0) {
    return marked
      .split(/([\p{L}\p{N}]+)/u)
      .map((part, i) =>
        i % 2 === 1 && looksLike(part, fuzzyWords) ? `<mark>${escapeHtml(part)}</mark>` : escapeHtml(part),
      )
      .join("");
  }
  let out = "";
  let open = false;
  for (const part of marked.split(markSplitter)) {
    if (part === MARK_START) {
      out += "<mark>";
      open = true;
    } else if (part === MARK_END) {
      if (open) out += "</mark>";
      open = false;
    } else {
      out += escapeHtml(part);
    }
  }
  return open ? `${out}</mark>` : out;
}
