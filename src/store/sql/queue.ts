import { boundaryId, newId, type DeliveryId, type MessageId } from "../../domain/ids.js";
import { MessageStatus, TriggerType } from "../../domain/types.js";
import type { Store } from "../store.js";
import type { SqlContext } from "./context.js";
import type { DeliveriesTable } from "./schema.js";

export type QueueOperations = Pick<Store, "enqueueManualDeliveries" | "listFailedMessageIds" | "nextDueAt">;

/** The cooler queue operations, shared by both dialects; the hot ones (accept, claim, complete) are per dialect. */
export function queueOperations({ db, dialect }: SqlContext): QueueOperations {
  return {
    async enqueueManualDeliveries(requests, now) {
      if (requests.length === 0) return [];
      const rows: DeliveriesTable[] = requests.map((request) => ({
        id: newId("delivery", now),
        app_id: request.appId,
        message_id: request.messageId,
        endpoint_id: request.endpointId,
        status: MessageStatus.Pending,
        trigger: TriggerType.Manual,
        attempt_count: 0,
        next_attempt_at: now,
        lease_until: null,
        last_status_code: null,
        created_at: now,
        updated_at: now,
      }));
      await db.transaction().execute(async (trx) => {
        await trx.insertInto("deliveries").values(rows).execute();
        await dialect.notifyQueued(trx);
      });
      return rows.map((row) => row.id as DeliveryId);
    },

    async listFailedMessageIds(endpointId, since, until, cursor, limit) {
      // A message counts as failed when an attempt to the endpoint failed in the window, none succeeded since
      // `since`, and no delivery to it is still pending (a retry on its way is not a failure to recover yet).
      // Three plain index scans per round instead of one query with anti-joins: their plan cannot go wrong on
      // tables Postgres has not analyzed yet (a fresh deployment recovering a large backlog).
      const endpoint = await db
        .selectFrom("endpoints")
        .select("app_id")
        .where("id", "=", endpointId)
        .executeTakeFirst();
      if (endpoint === undefined) return [];
      const appId = endpoint.app_id;
      const found: MessageId[] = [];
      let after: string | null = cursor;
      while (found.length < limit) {
        const wanted = limit - found.length;
        let failed = db
          .selectFrom("attempts")
          .select("message_id")
          .distinct()
          .where("app_id", "=", appId)
          .where("endpoint_id", "=", endpointId)
          .where("status", "=", MessageStatus.Fail)
          // The id range uses the (app_id, endpoint_id, id) index; created_at makes the bounds exact.
          .where("id", ">=", boundaryId("attempt", since, "first"))
          .where("id", "<", boundaryId("attempt", until, "last"))
          .where("created_at", ">=", since)
          .where("created_at", "<", until);
        if (after !== null) failed = failed.where("message_id", ">", after);
        const candidates = (await failed.orderBy("message_id", "asc").limit(wanted).execute()).map(
          (row) => row.message_id,
        );
        if (candidates.length === 0) break;
        const [recovered, retrying] = await Promise.all([
          db
            .selectFrom("attempts")
            .select("message_id")
            .where("app_id", "=", appId)
            .where("message_id", "in", candidates)
            .where("endpoint_id", "=", endpointId)
            .where("status", "=", MessageStatus.Success)
            .where("created_at", ">=", since)
            .execute(),
          db
            .selectFrom("deliveries")
            .select("message_id")
            .where("message_id", "in", candidates)
            .where("endpoint_id", "=", endpointId)
            .where("status", "=", MessageStatus.Pending)
            .execute(),
        ]);
        const excluded = new Set([...recovered, ...retrying].map((row) => row.message_id));
        for (const id of candidates) if (!excluded.has(id)) found.push(id as MessageId);
        if (candidates.length < wanted) break;
        after = candidates[candidates.length - 1] ?? null;
      }
      return found;
    },

    async nextDueAt() {
      // min() over the partial index deliveries_due: one index probe.
      const row = await db
        .selectFrom("deliveries")
        .select((eb) => eb.fn.min("next_attempt_at").as("next"))
        .where("status", "=", MessageStatus.Pending)
        .executeTakeFirst();
      return row?.next ?? null;
    },
  };
}
