import { sql } from "kysely";
import type { DeliveryCounts } from "../../domain/delivery-stats.js";
import { boundaryId, type AttemptId, type EndpointId, type MessageId } from "../../domain/ids.js";
import type { MessageStatus } from "../../domain/types.js";
import type { Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { LATENCY_COLUMNS } from "./schema.js";

export type DeliveryStatsOperations = Pick<
  Store,
  "sumStatsByBucket" | "sumStatsByEndpoint" | "latestAttemptPerEndpoint" | "countMessagesByEventType"
>;

/** The summed counters of a grouped endpoint_stats query, as the drivers return them. */
type SummedRow = Record<
  "successes" | "failures" | "latency_sum_ms" | "latency_max_ms" | (typeof LATENCY_COLUMNS)[number],
  number | string | null
>;

// Postgres sums BIGINT columns into NUMERIC, which node-postgres returns as text.
const count = (value: number | string | null): number => Number(value ?? 0);

function countsOf(row: SummedRow): DeliveryCounts {
  return {
    successes: count(row.successes),
    failures: count(row.failures),
    latencySumMs: count(row.latency_sum_ms),
    latencyMaxMs: count(row.latency_max_ms),
    latencyHistogram: LATENCY_COLUMNS.map((column) => count(row[column])),
  };
}

/**
 * Health views over `endpoint_stats`: grouped sums of the per-minute counters, never a scan of the attempt log.
 * endpoint_stats has no app_id; an application's rows are reached through its endpoints' ids, each a range of
 * the (endpoint_id, bucket_start) primary key, so the work is bounded by endpoints × minutes in the window.
 */
export function deliveryStatsOperations({ db }: SqlContext): DeliveryStatsOperations {
  /** The summed counters, for a select list. */
  const sums = LATENCY_COLUMNS.map((column) => sql<number>`sum(${sql.ref(column)})`.as(column));

  function statsOf(appId: string, endpointId: EndpointId | null, since: number, until: number) {
    let query = db
      .selectFrom("endpoint_stats")
      .where("bucket_start", ">=", since)
      .where("bucket_start", "<=", until);
    query =
      endpointId === null
        ? query.where("endpoint_id", "in", (eb) =>
            eb.selectFrom("endpoints").select("id").where("app_id", "=", appId),
          )
        : query
            .where("endpoint_id", "=", endpointId)
            // The tenant boundary: the endpoint must be one of the application's.
            .where("endpoint_id", "in", (eb) =>
              eb.selectFrom("endpoints").select("id").where("app_id", "=", appId),
            );
    return query.select((eb) => [
      eb.fn.sum<number>("successes").as("successes"),
      eb.fn.sum<number>("failures").as("failures"),
      eb.fn.sum<number>("latency_sum_ms").as("latency_sum_ms"),
      eb.fn.max<number>("latency_max_ms").as("latency_max_ms"),
      ...sums,
    ]);
  }

  return {
    async sumStatsByBucket(appId, endpointId, minutes, bucketMs) {
      if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0 || bucketMs % 60_000 !== 0) {
        throw new RangeError(`bucketMs must be a positive multiple of a minute, got ${bucketMs}`);
      }
      // Integer arithmetic in both dialects; grouped by the output column's name (a parameter repeated in
      // GROUP BY would be a different expression to Postgres).
      const seriesStart = sql<number>`(bucket_start / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`;
      const rows = await statsOf(appId, endpointId, minutes.since, minutes.until)
        .select(seriesStart.as("series_start"))
        .groupBy(sql`series_start`)
        .orderBy(sql`series_start`)
        .execute();
      return rows.map((row) => ({ bucketStart: Number(row.series_start), counts: countsOf(row) }));
    },

    async sumStatsByEndpoint(appId, minutes) {
      const rows = await statsOf(appId, null, minutes.since, minutes.until)
        .select("endpoint_id")
        .groupBy("endpoint_id")
        .orderBy("endpoint_id")
        .execute();
      return rows.map((row) => ({ endpointId: row.endpoint_id as EndpointId, counts: countsOf(row) }));
    },

    async latestAttemptPerEndpoint(appId) {
      // One statement, one probe per live endpoint: the subquery reads one entry at the end of each endpoint's
      // range of the (app_id, endpoint_id, id) index, and the outer query fetches those rows by primary key.
      // The outer query names neither app_id nor an order: either would tempt SQLite (no statistics) to walk
      // the application's whole log through an app_id index instead.
      const rows = await db
        .selectFrom("attempts")
        .select(["id", "message_id", "endpoint_id", "status", "response_status_code", "created_at"])
        .where("id", "in", (eb) =>
          eb
            .selectFrom("endpoints as e")
            .select((inner) =>
              inner
                .selectFrom("attempts as latest")
                .select("latest.id")
                .where("latest.app_id", "=", appId)
                .whereRef("latest.endpoint_id", "=", "e.id")
                .orderBy("latest.id", "desc")
                .limit(1)
                .as("id"),
            )
            .where("e.app_id", "=", appId)
            .where("e.deleted_at", "is", null),
        )
        .execute();
      return rows.map((row) => ({
        id: row.id as AttemptId,
        messageId: row.message_id as MessageId,
        endpointId: row.endpoint_id as EndpointId,
        status: row.status as MessageStatus,
        responseStatusCode: row.response_status_code,
        createdAt: row.created_at,
      }));
    },

    async countMessagesByEventType(appId, since, until) {
      const rows = await db
        .selectFrom("messages")
        .select((eb) => ["event_type", eb.fn.countAll<number | string>().as("count")])
        .where("app_id", "=", appId)
        // The id range uses the (app_id, id) index; created_at makes the bounds exact to the millisecond.
        .where("id", ">=", boundaryId("message", since, "first"))
        .where("id", "<=", boundaryId("message", until, "last"))
        .where("created_at", ">=", since)
        .where("created_at", "<=", until)
        .groupBy("event_type")
        .orderBy(sql`count(*)`, "desc")
        .orderBy("event_type")
        .execute();
      return rows.map((row) => ({ eventType: row.event_type, count: Number(row.count) }));
    },
  };
}
