import { ValidationError } from "../domain/errors.js";
import type { TimeWindow } from "../store/store.js";
import { parseOptionalDateTime } from "./dates.js";

const EVENT_TYPE_NAME = /^[a-zA-Z0-9\-_.]{1,256}$/;

type EventTypesParam = string | string[] | undefined;

/**
 * The `event_types` filter: the SDK joins names with commas into one parameter; Svix also accepts the parameter
 * repeated, or as `event_types[]`. Null when no name is given.
 */
export function eventTypesFilter(query: {
  event_types?: EventTypesParam;
  "event_types[]"?: EventTypesParam;
}): string[] | null {
  const values = [query.event_types, query["event_types[]"]]
    .flat()
    .filter((value): value is string => value !== undefined);
  const names = values
    .flatMap((value) => value.split(","))
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const invalid = names.find((name) => !EVENT_TYPE_NAME.test(name));
  if (invalid !== undefined)
    throw ValidationError.field(["query", "event_types"], `Invalid event type name: ${invalid}`);
  return names.length === 0 ? null : [...new Set(names)];
}

/** `before` / `after` as a store time window. */
export function timeWindow(query: { before?: string | undefined; after?: string | undefined }): TimeWindow {
  return {
    before: parseOptionalDateTime(query.before, ["query", "before"]),
    after: parseOptionalDateTime(query.after, ["query", "after"]),
  };
}
