import { boundaryId } from "../../domain/ids.js";
import type { Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { keyset, toPage } from "./pagination.js";
import { messageFromRow } from "./rows.js";

export type MessageOperations = Pick<Store, "getMessage" | "listMessages" | "expungeMessageContent">;

const MESSAGE_COLUMNS = [
  "id",
  "app_id",
  "event_type",
  "event_id",
  "channels",
  "payload",
  "payload_expires_at",
  "created_at",
] as const;

export function messageOperations({ db, dialect }: SqlContext): MessageOperations {
  return {
    async getMessage(appId, idOrEventId) {
      const row = await db
        .selectFrom("messages")
        .select(MESSAGE_COLUMNS)
        .where("app_id", "=", appId)
        .where((eb) => eb.or([eb("id", "=", idOrEventId), eb("event_id", "=", idOrEventId)]))
        .executeTakeFirst();
      return row ? messageFromRow(row) : null;
    },

    async listMessages(appId, filter, page) {
      const { comparison, direction, fetch } = keyset(page);
      let query = db.selectFrom("messages").select(MESSAGE_COLUMNS).where("app_id", "=", appId);
      // Ids are time-sortable, so a time window is an id range on the (app_id, id) index.
      if (filter.before !== null)
        query = query.where("id", "<", boundaryId("message", filter.before, "first"));
      if (filter.after !== null) query = query.where("id", ">", boundaryId("message", filter.after, "last"));
      if (filter.eventTypes !== null && filter.eventTypes.length > 0) {
        query = query.where("event_type", "in", filter.eventTypes);
      }
      if (filter.channel !== null)
        query = query.where(dialect.jsonArrayContains("messages.channels", filter.channel));
      if (page.cursor !== null) query = query.where("id", comparison, page.cursor);
      const rows = await query.orderBy("id", direction).limit(fetch).execute();
      return toPage(rows, page, messageFromRow);
    },

    async expungeMessageContent(appId, id) {
      await db
        .updateTable("messages")
        .set({ payload: null })
        .where("id", "=", id)
        .where("app_id", "=", appId)
        .execute();
    },
  };
}
