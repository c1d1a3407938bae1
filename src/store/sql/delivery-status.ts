import type { ExpressionBuilder } from "kysely";
import { boundaryId, type EndpointId } from "../../domain/ids.js";
import { MessageStatus, TriggerType } from "../../domain/types.js";
import type { Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { keyset, toPage } from "./pagination.js";
import { endpointFromRow, messageFromRow } from "./rows.js";
import type { Database } from "./schema.js";

export type DeliveryStatusOperations = Pick<Store, "listAttemptedDestinations" | "listAttemptedMessages">;

type MessagesScope = ExpressionBuilder<Database & { m: Database["messages"] }, "m">;

/**
 * Svix's per-message and per-endpoint status listings (svix-api.md §8), computed from the attempt log and the
 * queue: the latest attempt gives the status, a pending delivery means "retrying" and gives the next attempt time.
 */
export function deliveryStatusOperations({ db, dialect }: SqlContext): DeliveryStatusOperations {
  return {
    async listAttemptedDestinations(appId, messageId, page) {
      const { comparison, direction, fetch } = keyset(page);
      let query = db
        .selectFrom("endpoints as e")
        .selectAll("e")
        .select((eb) => [
          eb
            .selectFrom("attempts as a")
            .select("a.status")
            .where("a.app_id", "=", appId)
            .where("a.message_id", "=", messageId)
            .whereRef("a.endpoint_id", "=", "e.id")
            .orderBy("a.id", "desc")
            .limit(1)
            .as("latest_status"),
          eb
            .selectFrom("deliveries as d")
            .select((sub) => sub.fn.min("d.next_attempt_at").as("next"))
            .whereRef("d.endpoint_id", "=", "e.id")
            .where("d.message_id", "=", messageId)
            .where("d.status", "=", MessageStatus.Pending)
            .where("d.trigger", "=", TriggerType.Scheduled)
            .as("next_attempt_at_pending"),
        ])
        .where("e.app_id", "=", appId)
        // Deleted endpoints are listed too: their attempts happened.
        .where("e.id", "in", (eb) =>
          eb
            .selectFrom("attempts")
            .select("endpoint_id")
            .where("app_id", "=", appId)
            .where("message_id", "=", messageId),
        );
      if (page.cursor !== null) query = query.where("e.id", comparison, page.cursor);
      const rows = await query.orderBy("e.id", direction).limit(fetch).execute();
      return toPage(rows, page, ({ latest_status, next_attempt_at_pending, ...row }) => ({
        endpoint: endpointFromRow(row),
        status: (latest_status ?? MessageStatus.Pending) as MessageStatus,
        nextAttemptAt: next_attempt_at_pending ?? null,
      }));
    },

    async listAttemptedMessages(appId, endpointId, filter, page) {
      // Svix: only success (0), fail (2) and sending (3) select anything; pending and canceled match no message.
      if (filter.status === MessageStatus.Pending || filter.status === MessageStatus.Canceled) {
        return { items: [], done: true };
      }
      const { comparison, direction, fetch } = keyset(page);
      // Per-message checks are scalar subqueries `(… LIMIT 1) IS [NOT] NULL`, not EXISTS: Postgres turns EXISTS
      // into a join whose plan depends on statistics, and on a table not yet analyzed it may rescan every
      // attempt of the endpoint for each message. A scalar subquery stays a per-row index probe.
      const anAttemptWith = (eb: MessagesScope, status: MessageStatus) =>
        eb
          .selectFrom("attempts as s")
          .select("s.id")
          .whereRef("s.app_id", "=", "m.app_id")
          .whereRef("s.message_id", "=", "m.id")
          .where("s.endpoint_id", "=", endpointId)
          .where("s.status", "=", status)
          .limit(1);
      const pendingDelivery = (eb: MessagesScope) =>
        pendingDeliveries(eb, endpointId).select("d.id").limit(1);
      const latestStatus = (eb: MessagesScope) => latestAttemptStatus(eb, endpointId);

      let query = db
        .selectFrom("messages as m")
        .select([
          "m.id",
          "m.app_id",
          "m.event_type",
          "m.event_id",
          "m.channels",
          "m.payload",
          "m.payload_expires_at",
          "m.created_at",
        ])
        .select((eb) => [
          latestStatus(eb).as("latest_status"),
          pendingDeliveries(eb, endpointId)
            .select((sub) => sub.fn.min("d.next_attempt_at").as("next"))
            .as("next_attempt_at_pending"),
        ])
        .where("m.app_id", "=", appId)
        .where("m.id", "in", (eb) =>
          eb
            .selectFrom("attempts")
            .select("message_id")
            .where("app_id", "=", appId)
            .where("endpoint_id", "=", endpointId),
        );
      if (filter.status === MessageStatus.Success) {
        query = query.where((eb) => eb(anAttemptWith(eb, MessageStatus.Success), "is not", null));
      } else if (filter.status === MessageStatus.Fail) {
        query = query
          .where((eb) => eb(anAttemptWith(eb, MessageStatus.Success), "is", null))
          .where((eb) => eb(pendingDelivery(eb), "is", null))
          .where((eb) => eb(latestStatus(eb), "=", MessageStatus.Fail));
      } else if (filter.status === MessageStatus.Sending) {
        query = query.where((eb) => eb(pendingDelivery(eb), "is not", null));
      }
      if (filter.eventTypes !== null && filter.eventTypes.length > 0) {
        query = query.where("m.event_type", "in", filter.eventTypes);
      }
      if (filter.channel !== null)
        query = query.where(dialect.jsonArrayContains("m.channels", filter.channel));
      if (filter.before !== null)
        query = query.where("m.id", "<", boundaryId("message", filter.before, "first"));
      if (filter.after !== null)
        query = query.where("m.id", ">", boundaryId("message", filter.after, "last"));
      if (page.cursor !== null) query = query.where("m.id", comparison, page.cursor);
      const rows = await query.orderBy("m.id", direction).limit(fetch).execute();
      return toPage(rows, page, ({ latest_status, next_attempt_at_pending, ...row }) => {
        const retrying = next_attempt_at_pending !== null && next_attempt_at_pending !== undefined;
        return {
          message: messageFromRow(row),
          status: retrying
            ? MessageStatus.Sending
            : ((latest_status ?? MessageStatus.Pending) as MessageStatus),
          nextAttemptAt: retrying ? next_attempt_at_pending : null,
        };
      });
    },
  };
}

function pendingDeliveries(eb: MessagesScope, endpointId: EndpointId) {
  return eb
    .selectFrom("deliveries as d")
    .whereRef("d.message_id", "=", "m.id")
    .where("d.endpoint_id", "=", endpointId)
    .where("d.status", "=", MessageStatus.Pending);
}

function latestAttemptStatus(eb: MessagesScope, endpointId: EndpointId) {
  return eb
    .selectFrom("attempts as a")
    .select("a.status")
    .whereRef("a.app_id", "=", "m.app_id")
    .whereRef("a.message_id", "=", "m.id")
    .where("a.endpoint_id", "=", endpointId)
    .orderBy("a.id", "desc")
    .limit(1);
}
