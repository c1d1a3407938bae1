import type { Expression, ExpressionBuilder, Insertable, Transaction } from "kysely";
import { boundaryId, type EndpointId, type MessageId } from "../../domain/ids.js";
import { MessageStatus } from "../../domain/types.js";
import type { ManualDeliveryRequest, NewAttempt, Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { statsIncrements, type StatsIncrement } from "./outcome-plan.js";
import { attemptToRow, messageToRow } from "./rows.js";
import { LATENCY_COLUMNS, type Database, type EndpointStatsTable, type LatencyColumn } from "./schema.js";

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
        await addStats(trx, attempt);
      });
    },
  };
}

/** The endpoint_stats columns an upsert adds to, and the conflicting row's columns as the DO UPDATE sees them. */
type StatsUpdate = ExpressionBuilder<
  { endpoint_stats: EndpointStatsTable; excluded: EndpointStatsTable },
  "endpoint_stats" | "excluded"
>;

/**
 * Counts a test send in its endpoint's minute bucket, as the outcome writer counts the engine's attempts (the
 * hot-path.ts files; same bucketing, same columns): health views count manual attempts alike. A test send is
 * one rare attempt, so a portable Kysely upsert is enough here; the engine's batched statements stay raw SQL.
 */
async function addStats(trx: Transaction<Database>, attempt: NewAttempt): Promise<void> {
  for (const increment of statsIncrements([{ attempt }])) {
    await trx
      .insertInto("endpoint_stats")
      .values(statsRow(increment))
      .onConflict((conflict) =>
        conflict.columns(["endpoint_id", "bucket_start"]).doUpdateSet((eb) => ({
          successes: added(eb, "successes"),
          failures: added(eb, "failures"),
          latency_sum_ms: added(eb, "latency_sum_ms"),
          // MAX(a, b) on SQLite is GREATEST(a, b) on Postgres; CASE reads the same on both.
          latency_max_ms: eb
            .case()
            .when(eb.ref("excluded.latency_max_ms"), ">", eb.ref("endpoint_stats.latency_max_ms"))
            .then(eb.ref("excluded.latency_max_ms"))
            .else(eb.ref("endpoint_stats.latency_max_ms"))
            .end(),
          ...latencyAdditions(eb),
        })),
      )
      .execute();
  }
}

/** `column = endpoint_stats.column + excluded.column`, qualified because Postgres finds the bare name ambiguous. */
function added(
  eb: StatsUpdate,
  column: "successes" | "failures" | "latency_sum_ms" | LatencyColumn,
): Expression<number> {
  return eb(eb.ref(`endpoint_stats.${column}`), "+", eb.ref(`excluded.${column}`));
}

function latencyAdditions(eb: StatsUpdate): Record<LatencyColumn, Expression<number>> {
  return Object.fromEntries(LATENCY_COLUMNS.map((column) => [column, added(eb, column)])) as Record<
    LatencyColumn,
    Expression<number>
  >;
}

function statsRow(increment: StatsIncrement): Insertable<EndpointStatsTable> {
  const histogram = Object.fromEntries(
    LATENCY_COLUMNS.map((column, index) => [column, increment.latencyCounts[index] ?? 0]),
  ) as Record<LatencyColumn, number>;
  return {
    endpoint_id: increment.endpointId,
    bucket_start: increment.bucketStart,
    successes: increment.successes,
    failures: increment.failures,
    latency_sum_ms: increment.latencySumMs,
    latency_max_ms: increment.latencyMaxMs,
    ...histogram,
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
