/**
 * Postgres's hot path: each operation is a handful of round trips whatever the batch size. Rows travel as one
 * array per column and are expanded with `unnest`; dependent writes share one statement through data-modifying
 * CTEs, which makes each batch atomic without BEGIN/COMMIT round trips.
 */
import { sql, type Kysely } from "kysely";
import type pg from "pg";
import type { EpochMs, Message } from "../../domain/types.js";
import {
  acceptLookupKeys,
  eventIdKey,
  IDEMPOTENCY_WINDOW_MS,
  leasedDeliveryRows,
  planAccept,
  type AcceptPlan,
  type FanOutEndpointRow,
} from "../sql/accept-plan.js";
import { sortClaimed } from "../sql/claim-filter.js";
import { endpointsToDisable, statsIncrements } from "../sql/outcome-plan.js";
import { messageFromRow, messageToRow, requestHeadersText } from "../sql/rows.js";
import {
  LATENCY_COLUMNS,
  type ApplicationRow,
  type Database,
  type DeliveryRow,
  type EndpointRow,
  type MessageRow,
} from "../sql/schema.js";
import type { HotPathOperations } from "../sql/sql-store.js";
import type {
  AcceptLease,
  AcceptRequest,
  AcceptResult,
  ClaimedBatch,
  ClaimedDelivery,
  DeliveryOutcome,
  StoreMetrics,
} from "../store.js";

/** An accept's results, and the deliveries it leased (handed on once the accept returns them). */
interface AcceptedBatch {
  results: AcceptResult[];
  leased: ClaimedDelivery[];
}

/**
 * The NOTIFY channel that tells workers in other processes that deliveries were queued. Channels are global to
 * the database, so the name carries the schema: Heralds in other schemas of the same database are not woken.
 */
export const QUEUE_CHANNEL = sql<string>`'herald_queue:' || current_schema()`;

type StoredMessage = Omit<MessageRow, "idempotency_key">;

const MESSAGE_COLUMNS_TEXT =
  "id, app_id, event_type, event_id, channels, payload, payload_expires_at, created_at";
const MESSAGE_COLUMNS = sql.raw(MESSAGE_COLUMNS_TEXT);

export function postgresHotPath(
  db: Kysely<Database>,
  pool: pg.Pool,
  metrics: StoreMetrics,
  /** The payload of this store's NOTIFYs (postgres-store.ts): its own listeners skip them. */
  notifier: string,
): HotPathOperations {
  async function findExistingMessages(keys: ReturnType<typeof acceptLookupKeys>) {
    if (keys.idempotencyKeys.length === 0 && keys.eventIds.length === 0) return [];
    // Two index lookups glued by UNION ALL: an OR of the two conditions would not use the indexes.
    const { rows } = await sql<StoredMessage & { idempotency_key: string | null }>`
      SELECT ${MESSAGE_COLUMNS}, idempotency_key FROM messages
      WHERE idempotency_key = ANY(${keys.idempotencyKeys}::text[])
      UNION ALL
      SELECT m.id, m.app_id, m.event_type, m.event_id, m.channels, m.payload, m.payload_expires_at, m.created_at,
        m.idempotency_key
      FROM messages m
      JOIN unnest(${keys.eventIds.map((e) => e.appId)}::text[], ${keys.eventIds.map((e) => e.eventId)}::text[])
        AS wanted(app_id, event_id)
        ON m.app_id = wanted.app_id AND m.event_id = wanted.event_id`.execute(db);
    return rows;
  }

  async function findFanOutEndpoints(appIds: string[]) {
    const { rows } = await sql<FanOutEndpointRow>`
      SELECT id, app_id, event_types, channels FROM endpoints
      WHERE app_id = ANY(${appIds}::text[]) AND deleted_at IS NULL AND disabled = 0`.execute(db);
    return rows;
  }

  /** Whole rows of the fan-out endpoints and their applications, for an accept that leases (sending needs them). */
  async function findLeaseRows(appIds: string[]) {
    const [endpoints, applications] = await Promise.all([
      sql<EndpointRow>`SELECT * FROM endpoints
        WHERE app_id = ANY(${appIds}::text[]) AND deleted_at IS NULL AND disabled = 0`.execute(db),
      sql<ApplicationRow>`SELECT * FROM applications WHERE id = ANY(${appIds}::text[])`.execute(db),
    ]);
    return { endpoints: endpoints.rows, applications: applications.rows };
  }

  /**
   * Writes the planned messages and their deliveries in one statement; returns the ids of the messages actually
   * inserted. The first `leased.length` deliveries are written leased, as `leased` has them (leasedDeliveryRows
   * keeps the plan's order); only the others wake other processes.
   */
  async function writeAccepted(
    plan: AcceptPlan,
    leased: readonly DeliveryRow[],
    now: number,
  ): Promise<Set<string>> {
    const m = plan.messages;
    const d = plan.deliveries;
    const leaseEnds = d.map((_, i) => leased[i]?.lease_until ?? null);
    // ON CONFLICT DO NOTHING: a message that lost a race with another process (same eventId or idempotency key)
    // is skipped with its deliveries instead of failing the batch; the caller resolves it afterwards.
    const { rows } = await sql<{ id: string }>`
      WITH new_messages AS (
        INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, payload_expires_at, idempotency_key, created_at)
        SELECT * FROM unnest(
          ${m.map((x) => x.message.id)}::text[], ${m.map((x) => x.message.appId)}::text[],
          ${m.map((x) => x.message.eventType)}::text[], ${m.map((x) => x.message.eventId)}::text[],
          ${m.map((x) => (x.message.channels === null ? null : JSON.stringify(x.message.channels)))}::text[],
          ${m.map((x) => x.message.payload)}::text[], ${m.map((x) => x.message.payloadExpiresAt)}::bigint[],
          ${m.map((x) => x.idempotencyKey)}::text[], ${m.map((x) => x.message.createdAt)}::bigint[])
        ON CONFLICT DO NOTHING
        RETURNING id
      ), new_deliveries AS (
        INSERT INTO deliveries (id, app_id, message_id, endpoint_id, status, "trigger", attempt_count, next_attempt_at,
          lease_until, last_status_code, created_at, updated_at)
        SELECT queued.id, queued.app_id, queued.message_id, queued.endpoint_id, 1, 0, 0,
          COALESCE(queued.lease_until, ${now}::bigint), queued.lease_until, NULL, ${now}::bigint, ${now}::bigint
        FROM unnest(${d.map((x) => x.id)}::text[], ${d.map((x) => x.appId)}::text[],
          ${d.map((x) => x.messageId)}::text[], ${d.map((x) => x.endpointId)}::text[], ${leaseEnds}::bigint[])
          AS queued(id, app_id, message_id, endpoint_id, lease_until)
        WHERE queued.message_id IN (SELECT id FROM new_messages)
        RETURNING lease_until
      ), wake AS (
        SELECT pg_notify(${QUEUE_CHANNEL}, ${notifier})
        FROM (SELECT 1 FROM new_deliveries WHERE lease_until IS NULL LIMIT 1) AS queued
      )
      SELECT id, (SELECT count(*) FROM wake) AS woken FROM new_messages`.execute(db);
    return new Set(rows.map((row) => row.id));
  }

  /** Re-reads what beat the batch's lost messages, to answer them as replays or duplicates. */
  async function resolveLostRaces(
    plan: AcceptPlan,
    inserted: Set<string>,
    now: number,
  ): Promise<AcceptResult[]> {
    const lost = plan.messages.filter(({ message }) => !inserted.has(message.id));
    const winners = await findExistingMessages(acceptLookupKeys(lost));
    const byKey = new Map<string, Message>();
    const eventIds = new Set<string>();
    for (const row of winners) {
      if (row.idempotency_key !== null) byKey.set(row.idempotency_key, messageFromRow(row));
      if (row.event_id !== null) eventIds.add(eventIdKey(row.app_id, row.event_id));
    }
    return plan.results.map((result) => {
      if (result.kind !== "accepted" || inserted.has(result.message.id)) return result;
      const request = plan.messages.find((x) => x.message.id === result.message.id);
      const winner = request?.idempotencyKey ? byKey.get(request.idempotencyKey) : undefined;
      if (winner && winner.createdAt > now - IDEMPOTENCY_WINDOW_MS)
        return { kind: "replayed", message: winner };
      const { eventId, appId } = result.message;
      if (eventId !== null && eventIds.has(eventIdKey(appId, eventId))) return { kind: "duplicate_event_id" };
      throw new Error(`message ${result.message.id} was not inserted and nothing explains why`);
    });
  }

  async function claim(
    limit: number,
    now: number,
    leaseUntil: number,
    extraMs: number | null,
    wantNextDue: boolean,
  ): Promise<ClaimedBatch> {
    if (limit <= 0) return { claimed: [], full: false, nextDueAt: null };
    // No parameters: pg sends the text with the simple query protocol, the one that runs a multi-statement
    // script, as one implicit transaction (which the SET LOCAL needs), in one round trip.
    const script = `${CLAIM_PLANNER_SETTING};\n${claimStatement(limit, now, leaseUntil, extraMs, wantNextDue)}`;
    const results: unknown = await pool.query(script);
    // A script resolves to one result per statement (pg's types know only the single form): the claim's is last.
    const row = Array.isArray(results)
      ? (results as pg.QueryResult<ClaimRow>[])[results.length - 1]?.rows[0]
      : undefined;
    if (!row) throw new Error("claim: the claim statement returned no row");
    const claimed = row.deliveries ?? [];
    metrics.claimTransactions++;
    const full = claimed.length >= limit;
    const nextDueAt = row.next_due_at === null ? null : (row.next_due_at as EpochMs);
    if (claimed.length === 0) return { claimed: [], full, nextDueAt };
    const byId = <T extends { id: string }>(rows: T[] | null) => new Map((rows ?? []).map((r) => [r.id, r]));
    const sorted = sortClaimed(claimed, byId(row.messages), byId(row.endpoints), byId(row.applications), now);
    if (sorted.cancelIds.length > 0) await cancelDeliveries(sorted.cancelIds, now);
    metrics.claimedDeliveries += sorted.sendable.length;
    return { claimed: sorted.sendable, full, nextDueAt };
  }

  async function acceptAndLease(
    batch: readonly AcceptRequest[],
    now: number,
    lease: AcceptLease | null,
  ): Promise<AcceptedBatch> {
    if (batch.length === 0) return { results: [], leased: [] };
    const keys = acceptLookupKeys(batch);
    const [existing, fanOut, leaseRows] = await Promise.all([
      findExistingMessages(keys),
      lease === null ? findFanOutEndpoints(keys.appIds) : [],
      lease === null ? null : findLeaseRows(keys.appIds),
    ]);
    const endpoints = leaseRows?.endpoints ?? fanOut;
    const messagesByIdempotencyKey = new Map<string, Message>();
    const existingEventIds = new Set<string>();
    for (const row of existing) {
      if (row.idempotency_key !== null)
        messagesByIdempotencyKey.set(row.idempotency_key, messageFromRow(row));
      if (row.event_id !== null) existingEventIds.add(eventIdKey(row.app_id, row.event_id));
    }
    const plan = planAccept(batch, { messagesByIdempotencyKey, existingEventIds, endpoints }, now);
    if (plan.staleIdempotencyKeys.length > 0) {
      await sql`UPDATE messages SET idempotency_key = NULL
          WHERE idempotency_key = ANY(${plan.staleIdempotencyKeys}::text[])`.execute(db);
    }
    if (plan.messages.length === 0) return { results: plan.results, leased: [] };
    const endpointRows = new Map((leaseRows?.endpoints ?? []).map((row) => [row.id, row]));
    const leasedRows =
      lease === null
        ? []
        : leasedDeliveryRows(plan.deliveries, lease, (id) => endpointRows.get(id)?.timeout_seconds, now);
    const inserted = await writeAccepted(plan, leasedRows, now);
    metrics.acceptTransactions++;
    metrics.acceptedMessages += inserted.size;
    const results =
      inserted.size === plan.messages.length ? plan.results : await resolveLostRaces(plan, inserted, now);
    // A message that lost a race wrote no deliveries.
    const written = leasedRows.filter((row) => inserted.has(row.message_id));
    if (written.length === 0) return { results, leased: [] };
    const messageRows = new Map(
      plan.messages.map(({ message, idempotencyKey }) => [message.id, messageToRow(message, idempotencyKey)]),
    );
    const applications = new Map((leaseRows?.applications ?? []).map((row) => [row.id, row]));
    const sorted = sortClaimed(written, messageRows, endpointRows, applications, now);
    if (sorted.cancelIds.length > 0) await cancelDeliveries(sorted.cancelIds, now);
    return { results, leased: sorted.sendable };
  }

  /** Deliveries a claim (or an accept that leased them) found it can never send (see sortClaimed). */
  async function cancelDeliveries(ids: readonly string[], now: number): Promise<void> {
    await sql`UPDATE deliveries SET status = 4, lease_until = NULL, next_attempt_at = NULL, updated_at = ${now}
      WHERE id = ANY(${ids}::text[])`.execute(db);
  }

  return {
    async acceptMessages(batch, now) {
      return (await acceptAndLease(batch, now, null)).results;
    },

    async acceptMessagesAndLease(batch, now, lease, handOn) {
      // Postgres has synced the commit by the time it confirms it: the deliveries go on with the results.
      const { results, leased } = await acceptAndLease(batch, now, lease);
      handOn(leased);
      return results;
    },

    async claimDueDeliveries(limit, now, leaseUntil, leaseByTimeout) {
      return (await claim(limit, now, leaseUntil, leaseByTimeout?.extraMs ?? null, false)).claimed;
    },

    claimDueDeliveriesAndNextDue(limit, now, leaseUntil, leaseByTimeout) {
      return claim(limit, now, leaseUntil, leaseByTimeout?.extraMs ?? null, true);
    },
    async completeDeliveries(outcomes, now) {
      if (outcomes.length === 0) return;
      await completeStatement(outcomes, now).execute(db);
      metrics.outcomeTransactions++;
      metrics.recordedOutcomes += outcomes.length;
    },

    async releaseDeliveries(releases, now) {
      if (releases.length === 0) return;
      // Released deliveries may be claimed by another process: wake the others, as an accept does.
      await sql`
        WITH released AS (
          UPDATE deliveries AS d SET lease_until = NULL, next_attempt_at = r.next_attempt_at, updated_at = ${now}
          FROM unnest(${releases.map((r) => r.deliveryId)}::text[], ${releases.map((r) => r.leaseUntil)}::bigint[],
            ${releases.map((r) => r.nextAttemptAt)}::bigint[]) AS r(id, lease_until, next_attempt_at)
          WHERE d.id = r.id AND d.status = 1 AND d.lease_until = r.lease_until
          RETURNING 1
        )
        SELECT pg_notify(${QUEUE_CHANNEL}, ${notifier}) FROM (SELECT 1 FROM released LIMIT 1) AS any_released`.execute(
        db,
      );
    },
  };
}

/**
 * The claim statement's one row: what was claimed and what sending it needs, as JSON arrays (null when none);
 * BIGINT columns arrive as JSON numbers, exact since they hold epoch milliseconds and counts below 2^53.
 */
interface ClaimRow {
  deliveries: DeliveryRow[] | null;
  messages: StoredMessage[] | null;
  endpoints: EndpointRow[] | null;
  applications: ApplicationRow[] | null;
  next_due_at: number | null;
}

/** A number written into SQL text: only integers, so nothing but digits and a sign ever gets in. */
function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`claim: ${value} is not an integer`);
  return String(value);
}

/**
 * Set for the claim's transaction only. Without statistics on deliveries (a new database, or a burst before
 * autovacuum analyzes the table) the planner guesses a handful of due rows and, for a handful, prefers to
 * fetch them all by bitmap and sort them: every due row read and sorted per claim, tens of milliseconds at
 * 100k pending. Nothing but deliveries_due yields next_attempt_at order, so with sorting priced out the plan
 * is the index walk that stops at the limit, with or without statistics.
 */
export const CLAIM_PLANNER_SETTING = "SET LOCAL enable_sort = off";

/**
 * The claim as one statement, with integers written into the text (see `claim`). The claimed rows come back
 * with their messages, endpoints and applications, each as one JSON array, read by primary key in the same
 * statement rather than in three more queries after it. When wanted and the claim is not full, it also
 * reports the earliest next_attempt_at of any pending delivery as it will be once this commits: the claimed
 * rows at their new lease end, not at the due time this statement's snapshot still shows. Rows another worker
 * is claiming at this moment may show as due: the dispatcher then pauses briefly and claims again.
 */
function claimStatement(
  limit: number,
  now: number,
  leaseUntil: number,
  extraMs: number | null,
  wantNextDue: boolean,
): string {
  const at = integer(now);
  // With leaseByTimeout, a lease lasts the delivery's endpoint timeout plus extraMs, capped at leaseUntil.
  const leaseEnd =
    extraMs === null
      ? integer(leaseUntil)
      : `LEAST(${integer(leaseUntil)}, ${integer(now + extraMs)} + COALESCE(e.timeout_seconds, 60) * 1000)`;
  const endpointJoin = extraMs === null ? "" : "LEFT JOIN endpoints AS e ON e.id = due.endpoint_id";
  // Also an index walk, by the same planner setting, to the first row not claimed here (a hashed NOT IN).
  const nextDue = wantNextDue
    ? `CASE WHEN (SELECT count(*) FROM claimed) < ${integer(limit)} THEN LEAST(
        (SELECT next_attempt_at FROM deliveries
          WHERE status = 1 AND next_attempt_at IS NOT NULL AND id NOT IN (SELECT id FROM due)
          ORDER BY next_attempt_at LIMIT 1),
        (SELECT min(next_attempt_at) FROM claimed)) END`
    : "NULL::bigint";
  // SKIP LOCKED: concurrent workers each take different rows instead of queueing behind one another. The
  // lease also moves next_attempt_at, so a leased delivery is simply not due until its lease ends: the claim
  // never walks over in-flight rows, and the next due time includes when a crashed worker's leases expire.
  return `WITH due AS (
      SELECT id, endpoint_id FROM deliveries
      WHERE status = 1 AND next_attempt_at <= ${at} AND (lease_until IS NULL OR lease_until < ${at})
      ORDER BY next_attempt_at
      LIMIT ${integer(limit)}
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE deliveries AS d SET lease_until = ${leaseEnd}, next_attempt_at = ${leaseEnd}, updated_at = ${at}
      FROM due ${endpointJoin} WHERE d.id = due.id
      RETURNING d.*
    )
    SELECT
      (SELECT json_agg(claimed) FROM claimed) AS deliveries,
      (SELECT json_agg(m) FROM (SELECT ${MESSAGE_COLUMNS_TEXT} FROM messages
        WHERE id = ANY(ARRAY(SELECT message_id FROM claimed))) AS m) AS messages,
      (SELECT json_agg(e) FROM endpoints AS e WHERE id = ANY(ARRAY(SELECT endpoint_id FROM claimed))) AS endpoints,
      (SELECT json_agg(a) FROM applications AS a WHERE id = ANY(ARRAY(SELECT app_id FROM claimed))) AS applications,
      ${nextDue} AS next_due_at`;
}

const LATENCY_LIST = sql.raw(LATENCY_COLUMNS.join(", "));
const LATENCY_ADDITIONS = sql.raw(
  LATENCY_COLUMNS.map((column) => `${column} = endpoint_stats.${column} + excluded.${column}`).join(", "),
);

// Postgres text cannot hold NUL; a receiver's response body can. It is a log field, so it is made storable.
const storable = (text: string) => (text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text);

function completeStatement(outcomes: readonly DeliveryOutcome[], now: number) {
  const a = outcomes.map((outcome) => outcome.attempt);
  const stats = statsIncrements(outcomes);
  return sql`
    WITH new_attempts AS (
      INSERT INTO attempts (id, app_id, message_id, endpoint_id, delivery_id, event_type, url, status,
        response_status_code, response, response_duration_ms, "trigger", attempt_number, error_kind, next_attempt_at,
        created_at, request_headers)
      SELECT * FROM unnest(
        ${a.map((x) => x.id)}::text[], ${a.map((x) => x.appId)}::text[], ${a.map((x) => x.messageId)}::text[],
        ${a.map((x) => x.endpointId)}::text[], ${a.map((x) => x.deliveryId)}::text[], ${a.map((x) => x.eventType)}::text[],
        ${a.map((x) => x.url)}::text[], ${a.map((x) => x.status)}::int[], ${a.map((x) => x.responseStatusCode)}::int[],
        ${a.map((x) => storable(x.response))}::text[], ${a.map((x) => x.responseDurationMs)}::int[],
        ${a.map((x) => x.trigger)}::int[], ${a.map((x) => x.attemptNumber)}::int[], ${a.map((x) => x.errorKind)}::text[],
        ${a.map((x) => x.nextAttemptAt)}::bigint[], ${a.map((x) => x.createdAt)}::bigint[],
        ${a.map(requestHeadersText)}::text[])
    ), updated_deliveries AS (
      UPDATE deliveries AS d SET status = outcome.status, next_attempt_at = outcome.next_attempt_at,
        attempt_count = d.attempt_count + 1, lease_until = NULL, last_status_code = outcome.status_code,
        updated_at = ${now}
      FROM unnest(${outcomes.map((o) => o.deliveryId)}::text[], ${outcomes.map((o) => o.nextStatus)}::int[],
        ${outcomes.map((o) => o.nextAttemptAt)}::bigint[], ${a.map((x) => x.responseStatusCode)}::int[])
        AS outcome(id, status, next_attempt_at, status_code)
      WHERE d.id = outcome.id
    ), disabled_endpoints AS (
      UPDATE endpoints SET disabled = 1, updated_at = ${now}
      WHERE id = ANY(${endpointsToDisable(outcomes)}::text[]) AND disabled = 0
    )
    INSERT INTO endpoint_stats (endpoint_id, bucket_start, successes, failures, latency_sum_ms, latency_max_ms,
      ${LATENCY_LIST})
    SELECT * FROM unnest(${stats.map((s) => s.endpointId)}::text[], ${stats.map((s) => s.bucketStart)}::bigint[],
      ${stats.map((s) => s.successes)}::int[], ${stats.map((s) => s.failures)}::int[],
      ${stats.map((s) => s.latencySumMs)}::bigint[], ${stats.map((s) => s.latencyMaxMs)}::int[],
      ${sql.join(LATENCY_COLUMNS.map((_, i) => sql`${stats.map((s) => s.latencyCounts[i] ?? 0)}::int[]`))})
    ON CONFLICT (endpoint_id, bucket_start) DO UPDATE SET
      successes = endpoint_stats.successes + excluded.successes,
      failures = endpoint_stats.failures + excluded.failures,
      latency_sum_ms = endpoint_stats.latency_sum_ms + excluded.latency_sum_ms,
      latency_max_ms = GREATEST(endpoint_stats.latency_max_ms, excluded.latency_max_ms),
      ${LATENCY_ADDITIONS}`;
}
