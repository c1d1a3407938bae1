import type { Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { classifyingErrors } from "./driver-errors.js";
import { keyset, toPage } from "./pagination.js";
import { eventTypeFromRow, eventTypeToRow } from "./rows.js";

export type EventTypeOperations = Pick<
  Store,
  | "createEventType"
  | "getEventType"
  | "listEventTypes"
  | "updateEventType"
  | "deleteEventType"
  | "findLiveEventTypeNames"
>;

/** The event-type catalog; rows are keyed and paged by name. Archiving is an update; delete removes the row. */
export function eventTypeOperations({ db }: SqlContext): EventTypeOperations {
  return {
    async createEventType(eventType) {
      await classifyingErrors(() => db.insertInto("event_types").values(eventTypeToRow(eventType)).execute());
    },

    async getEventType(name) {
      const row = await db.selectFrom("event_types").selectAll().where("name", "=", name).executeTakeFirst();
      return row ? eventTypeFromRow(row) : null;
    },

    async listEventTypes(page, includeArchived) {
      const { comparison, direction, fetch } = keyset(page);
      let query = db.selectFrom("event_types").selectAll();
      if (!includeArchived) query = query.where("archived", "=", 0);
      if (page.cursor !== null) query = query.where("name", comparison, page.cursor);
      const rows = await query.orderBy("name", direction).limit(fetch).execute();
      return toPage(rows, page, eventTypeFromRow);
    },

    async updateEventType(eventType) {
      const { name, created_at: _createdAt, ...fields } = eventTypeToRow(eventType);
      await db.updateTable("event_types").set(fields).where("name", "=", name).execute();
    },

    async deleteEventType(name) {
      await db.deleteFrom("event_types").where("name", "=", name).execute();
    },

    async findLiveEventTypeNames(names) {
      if (names.length === 0) return [];
      const rows = await db
        .selectFrom("event_types")
        .select("name")
        .where("name", "in", [...names])
        .where("archived", "=", 0)
        .execute();
      return rows.map((row) => row.name);
    },
  };
}
