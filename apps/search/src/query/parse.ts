/** A search box query, split the way `websearch_to_tsquery` reads it, plus what prefix and typo matching need. */
export interface ParsedQuery {
  /** The query as typed, for `websearch_to_tsquery` (quotes, `-term`, `or`). */
  full: string;
  /** When the query ends in a plain word: the query before it, and that word as a prefix lexeme. */
  prefix?: { head: string; word: string; or: boolean };
  /** Positive words outside phrases and negations, for trigram (typo) matching; empty disables it. */
  fuzzyWords: string[];
  /** Negated plain words: typo matches must not contain them either. */
  negated: string[];
  /** The positive words joined, to spot a title equal to the query. */
  plain: string;
}

interface Token {
  text: string;
  start: number;
  phrase: boolean;
  negated: boolean;
}

const lexemeLike = /^[\p{L}\p{N}]+$/u;

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const ch = q.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    let negated = false;
    if (ch === "-" && i + 1 < q.length && !/\s/.test(q.charAt(i + 1))) {
      negated = true;
      i++;
    }
    if (q.charAt(i) === '"') {
      const close = q.indexOf('"', i + 1);
      const end = close === -1 ? q.length : close;
      tokens.push({ text: q.slice(i + 1, end), start, phrase: true, negated });
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < q.length && !/\s/.test(q.charAt(end)) && q.charAt(end) !== '"') end++;
    tokens.push({ text: q.slice(i, end), start, phrase: false, negated });
    i = end;
  }
  return tokens;
}

/** Splits free text into the words pg_trgm and the snippet compare (letters and digits). */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Reads a (trimmed, non-empty) query. */
export function parseQuery(q: string): ParsedQuery {
  const tokens = tokenize(q);
  const isOr = (t: Token | undefined) =>
    t !== undefined && !t.phrase && !t.negated && t.text.toLowerCase() === "or";
  const positive = tokens.filter((t) => !t.negated && !isOr(t));
  const hasPhrase = tokens.some((t) => t.phrase);
  const negated = tokens.filter((t) => t.negated && !t.phrase).flatMap((t) => wordsOf(t.text));
  const fuzzyWords = hasPhrase ? [] : positive.flatMap((t) => wordsOf(t.text));
  const plain = positive.flatMap((t) => wordsOf(t.text)).join(" ");

  const parsed: ParsedQuery = { full: q, fuzzyWords, negated, plain };
  const last = tokens.at(-1);
  const closedPhrase = q.endsWith('"');
  if (last && !last.phrase && !last.negated && !isOr(last) && !closedPhrase && lexemeLike.test(last.text)) {
    const before = tokens.at(-2);
    const or = isOr(before) && tokens.length > 2;
    const headEnd = or && before ? before.start : last.start;
    parsed.prefix = { head: q.slice(0, headEnd), word: last.text.toLowerCase(), or };
  }
  return parsed;
}
