import type { RouterOutputs } from "@portico/client";
import { useEffect, useState } from "react";
import { describeError } from "../errors.ts";
import { api } from "../session.ts";
import { useDebounced } from "../useDebounced.ts";
import { Snippet } from "./Snippet.tsx";

type Hit = RouterOutputs["search"]["query"]["items"][number];

/** Search as you type: asks once the text has been still for 250 ms; late answers of older text are ignored. */
export function SearchBox() {
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 250);
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!q) {
      setHits(null);
      return;
    }
    let current = true;
    api.search.query
      .query({ q, limit: 10 })
      .then((page) => {
        if (!current) return;
        setHits(page.items);
        setError(null);
      })
      .catch((e) => current && setError(describeError(e).message));
    return () => {
      current = false;
    };
  }, [q]);

  return (
    <section aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <label>
        Search people and your payments
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} maxLength={200} />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {hits && hits.length === 0 && <p>No results for “{q}”.</p>}
      {hits && hits.length > 0 && (
        <ul className="hits" aria-label="Search results">
          {hits.map((hit) => (
            <li key={`${hit.type}:${hit.id}`} data-type={hit.type}>
              <strong>{hit.title}</strong> <span className="muted">{hit.type}</span>
              <div>
                <Snippet text={hit.snippet} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
