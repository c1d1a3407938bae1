import type { Page, PageRequest } from "../store.js";

/** How to query one keyset page: compare the key with the cursor, walk in `direction`, fetch one extra row. */
export interface Keyset {
  comparison: ">" | "<";
  direction: "asc" | "desc";
  /** limit + 1: the extra row only tells whether the walk is `done`. */
  fetch: number;
}

export function keyset(page: PageRequest): Keyset {
  const forward = page.order === "asc";
  // Walking backward from a cursor means walking the list in the opposite order.
  const ascending = page.backward ? !forward : forward;
  return { comparison: ascending ? ">" : "<", direction: ascending ? "asc" : "desc", fetch: page.limit + 1 };
}

/** Trims the extra row and, for a backward walk, puts the items back in the requested order. */
export function toPage<Row, Item>(
  rows: readonly Row[],
  page: PageRequest,
  map: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, page.limit).map(map);
  if (page.backward) items.reverse();
  return { items, done: rows.length <= page.limit };
}
