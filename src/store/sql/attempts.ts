import { boundaryId } from "../../domain/ids.js";
import { MessageStatus } from "../../domain/types.js";
import type { EndpointAttemptCounts, Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { keyset, toPage } from "./pagination.js";
import { attemptFromRow } from "./rows.js";

export type AttemptOperations = Pick<
  Store,
  "listAttempts" | "getAttempt" | "expungeAttemptContent" | "countEndpointAttempts"
>;

/** What an expunged response reads as (Svix). */
export const EXPUNGED_RESPONSE = "EXPUNGED";

/** The delivery log: append-only attempt rows, listed newest first by their time-sortable ids. */
export function attemptOperations({ db, dialect }: SqlContext): AttemptOperations {
  return {
    async listAttempts(appId, filter, page) {
      const { comparison, direction, fetch } = keyset(page);
      let query = db.selectFrom("attempts").selectAll("attempts").where("attempts.app_id", "=", appId);
      if (filter.endpointId !== null) query = query.where("attempts.endpoint_id", "=", filter.endpointId);
      if (filter.messageId !== null) query = query.where("attempts.message_id", "=", filter.messageId);
      if (filter.status !== null) query = query.where("attempts.status", "=", filter.status);
      if (filter.statusCodeClass !== null) {
        query = query
          .where("attempts.response_status_code", ">=", filter.statusCodeClass)
          .where("attempts.response_status_code", "<=", filter.statusCodeClass + 99);
      }
      if (filter.eventTypes !== null && filter.eventTypes.length > 0) {
        query = query.where("attempts.event_type", "in", filter.eventTypes);
      }
      const { channel } = filter;
      if (channel !== null) {
        // A scalar subquery (a per-row primary-key probe), not EXISTS, which Postgres may plan as a join.
        query = query.where((eb) =>
          eb(
            eb
              .selectFrom("messages")
              .select("messages.id")
              .whereRef("messages.id", "=", "attempts.message_id")
              .where(dialect.jsonArrayContains("messages.channels", channel)),
            "is not",
            null,
          ),
        );
      }
      if (filter.before !== null)
        query = query.where("attempts.id", "<", boundaryId("attempt", filter.before, "first"));
      if (filter.after !== null)
        query = query.where("attempts.id", ">", boundaryId("attempt", filter.after, "last"));
      if (page.cursor !== null) query = query.where("attempts.id", comparison, page.cursor);
      const rows = await query.orderBy("attempts.id", direction).limit(fetch).execute();
      return toPage(rows, page, attemptFromRow);
    },

    async getAttempt(appId, messageId, attemptId) {
      const row = await db
        .selectFrom("attempts")
        .selectAll()
        .where("id", "=", attemptId)
        .where("app_id", "=", appId)
        .where("message_id", "=", messageId)
        .executeTakeFirst();
      return row ? attemptFromRow(row) : null;
    },

    async expungeAttemptContent(appId, messageId, attemptId) {
      await db
        .updateTable("attempts")
        .set({ response: EXPUNGED_RESPONSE })
        .where("id", "=", attemptId)
        .where("app_id", "=", appId)
        .where("message_id", "=", messageId)
        .execute();
    },

    async countEndpointAttempts(endpointId, since, until) {
      const rows = await db
        .selectFrom("attempts")
        .select((eb) => ["status", eb.fn.countAll<number>().as("count")])
        // The attempt indexes lead with app_id (see migrations); the endpoint knows its application.
        .where("app_id", "=", (eb) =>
          eb.selectFrom("endpoints").select("app_id").where("id", "=", endpointId),
        )
        .where("endpoint_id", "=", endpointId)
        // The id range uses the (endpoint_id, id) index; created_at makes the bounds exact to the millisecond.
        .where("id", ">=", boundaryId("attempt", since, "first"))
        .where("id", "<=", boundaryId("attempt", until, "last"))
        .where("created_at", ">=", since)
        .where("created_at", "<=", until)
        .groupBy("status")
        .execute();
      const counts: EndpointAttemptCounts = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
      for (const row of rows) {
        const count = Number(row.count);
        if (row.status === MessageStatus.Success) counts.success += count;
        else if (row.status === MessageStatus.Pending) counts.pending += count;
        else if (row.status === MessageStatus.Sending) counts.sending += count;
        else if (row.status === MessageStatus.Fail) counts.fail += count;
        else if (row.status === MessageStatus.Canceled) counts.canceled += count;
      }
      return counts;
    },
  };
}
