/**
 * A new row id: a time-ordered uuid (v7). Rows inserted one after another get ids that sort one
 * after another, so their primary-key (and foreign-key) index entries land on the right edge of
 * the btree instead of on a random page of it: fewer pages touched, split and read back per insert,
 * however large the index has grown. The id shows when the row was made, which every such row
 * also says in its `createdAt`.
 */
export function newId(): string {
  return Bun.randomUUIDv7();
}
