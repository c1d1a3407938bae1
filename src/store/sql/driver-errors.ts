import { conflict, HeraldError } from "../../domain/errors.js";

/**
 * The one place driver errors are classified. A unique violation becomes a 409 whose detail names what clashed;
 * anything else is returned unchanged (and ends as a logged 500). Services check for clashes first; these are the
 * races that slip between the check and the write.
 */
export function classifyDriverError(error: unknown): unknown {
  const table = uniqueViolationTable(error);
  if (table === null) return error;
  switch (table) {
    case "applications":
      return conflict("An application with that uid already exists");
    case "endpoints":
      return conflict("An endpoint with that uid already exists");
    case "event_types":
      return new HeraldError("event_type_exists");
    case "messages":
      return conflict("A message with that eventId already exists");
    default:
      return conflict();
  }
}

/** The table of a unique-key violation, "" when unknown, or null when `error` is not one. */
function uniqueViolationTable(error: unknown): string | null {
  if (typeof error !== "object" || error === null || !("code" in error)) return null;
  const { code } = error;
  // better-sqlite3: code SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, message "UNIQUE constraint failed: table.column".
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    const message = error instanceof Error ? error.message : "";
    return /constraint failed: (\w+)\./.exec(message)?.[1] ?? "";
  }
  // node-postgres: SQLSTATE 23505 unique_violation, with the table in `table`.
  if (code === "23505") {
    return "table" in error && typeof error.table === "string" ? error.table : "";
  }
  return null;
}

/** Runs a write and classifies what the driver throws. */
export async function classifyingErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw classifyDriverError(error);
  }
}
