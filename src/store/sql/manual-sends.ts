import { boundaryId, type EndpointId, type MessageId } from "../../domain/ids.js";
import { MessageStatus } from "../../domain/types.js";
import type { ManualDeliveryRequest, Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { attemptToRow, messageToRow } from "./rows.js";

export type ManualSendOperations = Pick<Store, "listDeliveriesForRetry" | "recordSentMessage">;

interface PairState {
  pending: boolean;
  statuses: Set<number>;
}

/** Whether a (message, endpoint) pair's deliveries make it a bulk retry's target (see `RetryFilter`). */
function chosen(state: PairState, wanted: MessageStatus): boolean {
  if (state.pending || !state.statuses.has(wanted)) return false;
  return wanted === MessageStatus.Success || !state.statuses.has(MessageStatus.Success);
}

/** Manual sends beside the queue's own: choosing a bulk retry's deliveries, and recording a test send. */
export function manualSendOperations({ db }: SqlContext): ManualSendOperations {
  return {
    async listDeliveriesForRetry(appId, filter, cursor, limit, now) {
      // Two index scans per batch: the application's messages in id order (messages_app), then their
      // deliveries (deliveries_message_endpoint). The id range narrows the scan; created_at makes it exact.
      let messages = db
        .selectFrom("messages")
        .select("id")
        .where("app_id", "=", appId)
        .where("id", ">=", boundaryId("message", filter.since, "first"))
        .where("id", "<=", boundaryId("message", filter.until, "last"))
        .where("created_at", ">=", filter.since)
        .where("created_at", "<", filter.until)
        .where("payload", "is not", null)
        .where("payload_expires_at", ">", now);
      if (filter.eventTypes !== null) {
        if (filter.eventTypes.length === 0) return { requests: [], cursor: null };
        messages = messages.where("event_type", "in", filter.eventTypes);
      }
      if (cursor !== null) messages = messages.where("id", ">", cursor);
      const messageIds = (await messages.orderBy("id", "asc").limit(limit).execute()).map((row) => row.id);
      if (messageIds.length === 0) return { requests: [], cursor: null };

      let deliveries = db
        .selectFrom("deliveries as d")
        .innerJoin("endpoints as e", "e.id", "d.endpoint_id")
        .select(["d.message_id", "d.endpoint_id", "d.status"])
        .where("d.app_id", "=", appId)
        .where("d.message_id", "in", messageIds)
        .where("e.app_id", "=", appId)
        .where("e.deleted_at", "is", null)
        .where("e.disabled", "=", 0);
      if (filter.endpointId !== null) deliveries = deliveries.where("d.endpoint_id", "=", filter.endpointId);
      // A pair's deliveries: the first scheduled one and any manual ones (resends, recoveries, retries).
      const pairs = new Map<string, PairState & { messageId: string; endpointId: string }>();
      for (const row of await deliveries.execute()) {
        const key = `${row.message_id} ${row.endpoint_id}`;
        let state = pairs.get(key);
        if (!state) {
          state = {
            messageId: row.message_id,
            endpointId: row.endpoint_id,
            pending: false,
            statuses: new Set(),
          };
          pairs.set(key, state);
        }
        if (row.status === MessageStatus.Pending) state.pending = true;
        state.statuses.add(row.status);
      }
      const requests: ManualDeliveryRequest[] = [...pairs.values()]
        .filter((state) => chosen(state, filter.status))
        .sort((a, b) =>
          a.messageId === b.messageId
            ? compare(a.endpointId, b.endpointId)
            : compare(a.messageId, b.messageId),
        )
        .map((state) => ({
          appId,
          messageId: state.messageId as MessageId,
          endpointId: state.endpointId as EndpointId,
        }));
      const last = messageIds[messageIds.length - 1];
      return {
        requests,
        cursor: messageIds.length < limit || last === undefined ? null : (last as MessageId),
      };
    },

    async recordSentMessage(message, attempt, now) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto("messages").values(messageToRow(message, null)).execute();
        await trx
          .insertInto("deliveries")
          .values({
            id: attempt.deliveryId,
            app_id: attempt.appId,
            message_id: attempt.messageId,
            endpoint_id: attempt.endpointId,
            status: attempt.status,
            trigger: attempt.trigger,
            attempt_count: 1,
            next_attempt_at: null,
            lease_until: null,
            last_status_code: attempt.responseStatusCode,
            created_at: attempt.createdAt,
            updated_at: now,
          })
          .execute();
        // PostgreSQL text cannot hold NUL, a receiver's response can; it is a log field, so it is made storable.
        const row = { ...attemptToRow(attempt), response: attempt.response.replaceAll("\u0000", "\uFFFD") };
        await trx.insertInto("attempts").values(row).execute();
      });
    },
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
