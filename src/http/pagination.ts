import { ValidationError } from "../domain/errors.js";
import type { Page, PageRequest } from "../store/store.js";
import type { ListResponse } from "./schemas/common.js";

export interface ListParams {
  limit?: number | undefined;
  iterator?: string | undefined;
  order?: "ascending" | "descending" | undefined;
}

export const DEFAULT_PAGE_LIMIT = 50;

/**
 * Turns Svix's `limit`/`iterator`/`order` into a keyset page request. An iterator is the key of an item
 * (`-key` walks backwards, as `prevIterator` does); `keyPrefix` rejects ids of another kind with a 422, as Svix does.
 */
export function pageRequest(
  params: ListParams,
  options: { defaultOrder: "asc" | "desc"; honourOrder: boolean; keyPrefix?: string },
): PageRequest {
  let order = options.defaultOrder;
  if (options.honourOrder && params.order) order = params.order === "ascending" ? "asc" : "desc";
  let cursor: string | null = null;
  let backward = false;
  if (params.iterator !== undefined && params.iterator !== "") {
    backward = params.iterator.startsWith("-");
    cursor = backward ? params.iterator.slice(1) : params.iterator;
    if (options.keyPrefix !== undefined && !cursor.startsWith(options.keyPrefix)) {
      throw ValidationError.field(
        ["query", "iterator"],
        `Iterator must be an id starting with ${options.keyPrefix}`,
      );
    }
  }
  return { limit: params.limit ?? DEFAULT_PAGE_LIMIT, order, cursor, backward };
}

/** Renders a store page as Svix's ListResponse: `iterator` = last key, `prevIterator` = "-" + first key. */
export function listResponse<T, Out>(
  page: Page<T>,
  keyOf: (item: T) => string,
  render: (item: T) => Out,
): ListResponse<Out> {
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  return {
    data: page.items.map(render),
    iterator: last === undefined ? null : keyOf(last),
    prevIterator: first === undefined ? null : `-${keyOf(first)}`,
    done: page.done,
  };
}
