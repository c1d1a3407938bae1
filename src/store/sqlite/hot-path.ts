/**
 * SQLite's hot path: accept, claim and complete, each one synchronous better-sqlite3 transaction of prepared
 * statements. SQLite has one writer, so a batch is as fast as its rows: a few microseconds each, no round trips.
 * These run on the raw handle inside `exclusive`, which holds Kysely's connection mutex so that they can never
 * interleave with a Kysely transaction on the same connection.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { Message } from "../../domain/types.js";
import {
  acceptLookupKeys,
  eventIdKey,
  leasedDeliveryRows,
  planAccept,
  type FanOutEndpointRow,
} from "../sql/accept-plan.js";
import { sortClaimed } from "../sql/claim-filter.js";
import { endpointsToDisable, statsIncrements } from "../sql/outcome-plan.js";
import { attemptToRow, messageFromRow, messageToRow } from "../sql/rows.js";
import {
  LATENCY_COLUMNS,
  type ApplicationRow,
  type DeliveryRow,
  type EndpointRow,
  type MessageRow,
} from "../sql/schema.js";
import type { HotPathOperations } from "../sql/sql-store.js";
import type { AcceptLease, AcceptResult, ClaimedDelivery, LeaseRelease, StoreMetrics } from "../store.js";
import type { WalSync } from "./wal-sync.js";

/** A claimed delivery's lease end (see Store.claimDueDeliveries): per endpoint timeout when @extraMs is set. */
const LEASE_END = `CASE WHEN @extraMs IS NULL THEN @leaseUntil ELSE MIN(@leaseUntil, @now + @extraMs +
  COALESCE((SELECT e.timeout_seconds FROM endpoints e WHERE e.id = deliveries.endpoint_id), 60) * 1000) END`;

type StoredMessage = Omit<MessageRow, "idempotency_key">;

const MESSAGE_COLUMNS = "id, app_id, event_type, event_id, channels, payload, payload_expires_at, created_at";

/** The attempts columns, in insertAttempt's order. */
type AttemptParameters = [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  number,
  number,
  string,
  number,
  number,
  number,
  string | null,
  number | null,
  number,
  string | null,
];

/** endpoint_id, bucket_start, successes, failures, latency_sum_ms, latency_max_ms, then the LATENCY_COLUMNS. */
type StatsParameters = [string, number, number, number, number, number, ...number[]];

const ADD_STATS = `INSERT INTO endpoint_stats (endpoint_id, bucket_start, successes, failures, latency_sum_ms,
    latency_max_ms, ${LATENCY_COLUMNS.join(", ")})
  VALUES (?, ?, ?, ?, ?, ?, ${LATENCY_COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (endpoint_id, bucket_start) DO UPDATE SET
    successes = successes + excluded.successes,
    failures = failures + excluded.failures,
    latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
    latency_max_ms = MAX(latency_max_ms, excluded.latency_max_ms),
    ${LATENCY_COLUMNS.map((column) => `${column} = ${column} + excluded.${column}`).join(",\n    ")}`;

function prepareStatements(db: BetterSqlite3.Database) {
  return {
    messageByIdempotencyKey: db.prepare<[string], StoredMessage>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE idempotency_key = ?`,
    ),
    eventIdExists: db.prepare<[string, string], { found: number }>(
      "SELECT 1 AS found FROM messages WHERE app_id = ? AND event_id = ?",
    ),
    fanOutEndpoints: db.prepare<[string], FanOutEndpointRow>(
      "SELECT id, app_id, event_types, channels FROM endpoints WHERE app_id = ? AND deleted_at IS NULL AND disabled = 0",
    ),
    // When the accept leases deliveries: whole rows, which sending needs.
    fanOutEndpointRows: db.prepare<[string], EndpointRow>(
      "SELECT * FROM endpoints WHERE app_id = ? AND deleted_at IS NULL AND disabled = 0",
    ),
    clearIdempotencyKey: db.prepare<[string]>(
      "UPDATE messages SET idempotency_key = NULL WHERE idempotency_key = ?",
    ),
    insertMessage: db.prepare<
      [string, string, string, string | null, string | null, string | null, number, string | null, number]
    >(
      `INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, payload_expires_at, idempotency_key, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertDelivery: db.prepare<[string, string, string, string, number, number | null, number, number]>(
      `INSERT INTO deliveries (id, app_id, message_id, endpoint_id, status, "trigger", attempt_count, next_attempt_at,
         lease_until, last_status_code, created_at, updated_at)
       VALUES (?, ?, ?, ?, 1, 0, 0, ?, ?, NULL, ?, ?)`,
    ),
    claim: db.prepare<
      { now: number; leaseUntil: number; extraMs: number | null; limit: number },
      DeliveryRow
    >(
      // The lease also moves next_attempt_at: a leased delivery is simply not due until its lease ends, so the
      // claim never walks over in-flight rows and nextDueAt() reports when a crashed worker's leases expire.
      // With @extraMs, a lease lasts the delivery's endpoint timeout plus @extraMs, capped at @leaseUntil.
      `UPDATE deliveries SET lease_until = ${LEASE_END}, next_attempt_at = ${LEASE_END}, updated_at = @now
       WHERE id IN (
         SELECT id FROM deliveries
         WHERE status = 1 AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)
         ORDER BY next_attempt_at LIMIT @limit)
       RETURNING *`,
    ),
    // min() over the partial index deliveries_due: one index probe.
    nextDueAt: db.prepare<[], { next: number | null }>(
      "SELECT MIN(next_attempt_at) AS next FROM deliveries WHERE status = 1",
    ),
    messageById: db.prepare<[string], StoredMessage>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
    endpointById: db.prepare<[string], EndpointRow>("SELECT * FROM endpoints WHERE id = ?"),
    applicationById: db.prepare<[string], ApplicationRow>("SELECT * FROM applications WHERE id = ?"),
    cancelDelivery: db.prepare<[number, string]>(
      "UPDATE deliveries SET status = 4, lease_until = NULL, next_attempt_at = NULL, updated_at = ? WHERE id = ?",
    ),
    // Positional parameters, as insertMessage: binding 17 by name measured twice the cost of binding them in order.
    insertAttempt: db.prepare<AttemptParameters>(
      `INSERT INTO attempts (id, app_id, message_id, endpoint_id, delivery_id, event_type, url, status,
         response_status_code, response, response_duration_ms, "trigger", attempt_number, error_kind, next_attempt_at, created_at,
         request_headers)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateDelivery: db.prepare<[number, number | null, number, number, string]>(
      `UPDATE deliveries SET status = ?, next_attempt_at = ?, attempt_count = attempt_count + 1, lease_until = NULL,
         last_status_code = ?, updated_at = ? WHERE id = ?`,
    ),
    disableEndpoint: db.prepare<[number, string]>(
      "UPDATE endpoints SET disabled = 1, updated_at = ? WHERE id = ? AND disabled = 0",
    ),
    releaseLease: db.prepare<[number, number, string, number]>(
      `UPDATE deliveries SET lease_until = NULL, next_attempt_at = ?, updated_at = ?
       WHERE id = ? AND status = 1 AND lease_until = ?`,
    ),
    addStats: db.prepare<StatsParameters>(ADD_STATS),
  };
}

/** Lookups that may repeat within a batch (many deliveries share a message, an endpoint, an application). */
function memoised<Row>(
  lookup: BetterSqlite3.Statement<[string], Row>,
): Map<string, Row> & { load(id: string): void } {
  const found = new Map<string, Row>();
  return Object.assign(found, {
    load(id: string) {
      if (found.has(id)) return;
      const row = lookup.get(id);
      if (row !== undefined) found.set(id, row);
    },
  });
}

export function sqliteHotPath(
  db: BetterSqlite3.Database,
  exclusive: <T>(work: () => T) => Promise<T>,
  metrics: StoreMetrics,
  /** Makes the commits so far durable against power loss, off the event loop (see wal-sync.ts). */
  walSync: WalSync,
): HotPathOperations {
  // Prepared on first use: the tables exist only once migrate() has run.
  let statements: ReturnType<typeof prepareStatements> | undefined;
  const sql = () => (statements ??= prepareStatements(db));

  const accept = (
    batch: Parameters<HotPathOperations["acceptMessages"]>[0],
    now: number,
    lease: AcceptLease | null,
  ) => {
    const s = sql();
    const keys = acceptLookupKeys(batch);
    const messagesByIdempotencyKey = new Map<string, Message>();
    for (const key of keys.idempotencyKeys) {
      const row = s.messageByIdempotencyKey.get(key);
      if (row) messagesByIdempotencyKey.set(key, messageFromRow(row));
    }
    const existingEventIds = new Set<string>();
    for (const { appId, eventId } of keys.eventIds) {
      if (s.eventIdExists.get(appId, eventId)) existingEventIds.add(eventIdKey(appId, eventId));
    }
    // Leasing needs whole endpoint rows (sending does); a plain accept only the fan-out columns.
    const endpointRows =
      lease === null ? null : keys.appIds.flatMap((appId) => s.fanOutEndpointRows.all(appId));
    const endpoints = endpointRows ?? keys.appIds.flatMap((appId) => s.fanOutEndpoints.all(appId));

    const plan = planAccept(batch, { messagesByIdempotencyKey, existingEventIds, endpoints }, now);
    for (const key of plan.staleIdempotencyKeys) s.clearIdempotencyKey.run(key);
    const messageRows = new Map<string, MessageRow>();
    for (const { message, idempotencyKey } of plan.messages) {
      const row = messageToRow(message, idempotencyKey);
      messageRows.set(row.id, row);
      s.insertMessage.run(
        row.id,
        row.app_id,
        row.event_type,
        row.event_id,
        row.channels,
        row.payload,
        row.payload_expires_at,
        row.idempotency_key,
        row.created_at,
      );
    }
    const endpointsById = new Map((endpointRows ?? []).map((row) => [row.id, row]));
    const leasedRows =
      lease === null
        ? []
        : leasedDeliveryRows(plan.deliveries, lease, (id) => endpointsById.get(id)?.timeout_seconds, now);
    // leasedDeliveryRows keeps the plan's order: the first leasedRows.length deliveries are the leased ones.
    plan.deliveries.forEach((d, i) => {
      const leaseUntil = leasedRows[i]?.lease_until ?? null;
      s.insertDelivery.run(d.id, d.appId, d.messageId, d.endpointId, leaseUntil ?? now, leaseUntil, now, now);
    });
    return { plan, leased: sendableLeases(leasedRows, messageRows, endpointsById, now) };
  };

  /** What the accept leased, as a claim returns it; a delivery that cannot be sent is cancelled, as a claim does. */
  const sendableLeases = (
    leasedRows: readonly DeliveryRow[],
    messageRows: ReadonlyMap<string, MessageRow>,
    endpointRows: ReadonlyMap<string, EndpointRow>,
    now: number,
  ): ClaimedDelivery[] => {
    if (leasedRows.length === 0) return [];
    const s = sql();
    const applications = memoised(s.applicationById);
    for (const row of leasedRows) applications.load(row.app_id);
    const sorted = sortClaimed(leasedRows, messageRows, endpointRows, applications, now);
    for (const id of sorted.cancelIds) s.cancelDelivery.run(now, id);
    return sorted.sendable;
  };

  const claim = (limit: number, now: number, leaseUntil: number, extraMs: number | null) => {
    const s = sql();
    const claimed = s.claim.all({ now, leaseUntil, extraMs, limit });
    const messages = memoised(s.messageById);
    const endpoints = memoised(s.endpointById);
    const applications = memoised(s.applicationById);
    for (const delivery of claimed) {
      messages.load(delivery.message_id);
      endpoints.load(delivery.endpoint_id);
      applications.load(delivery.app_id);
    }
    const sorted = sortClaimed(claimed, messages, endpoints, applications, now);
    for (const id of sorted.cancelIds) s.cancelDelivery.run(now, id);
    // Read in the claim's transaction, after its leases and cancellations: exactly what is due next.
    const full = claimed.length >= limit;
    const nextDueAt = full ? null : (s.nextDueAt.get()?.next ?? null);
    return { claimed: sorted.sendable, full, nextDueAt };
  };

  const complete = (outcomes: Parameters<HotPathOperations["completeDeliveries"]>[0], now: number) => {
    const s = sql();
    for (const outcome of outcomes) {
      const a = attemptToRow(outcome.attempt);
      s.insertAttempt.run(
        a.id,
        a.app_id,
        a.message_id,
        a.endpoint_id,
        a.delivery_id,
        a.event_type,
        a.url,
        a.status,
        a.response_status_code,
        a.response,
        a.response_duration_ms,
        a.trigger,
        a.attempt_number,
        a.error_kind,
        a.next_attempt_at,
        a.created_at,
        a.request_headers,
      );
      s.updateDelivery.run(
        outcome.nextStatus,
        outcome.nextAttemptAt,
        outcome.attempt.responseStatusCode,
        now,
        outcome.deliveryId,
      );
    }
    for (const endpointId of endpointsToDisable(outcomes)) s.disableEndpoint.run(now, endpointId);
    for (const b of statsIncrements(outcomes)) {
      s.addStats.run(
        b.endpointId,
        b.bucketStart,
        b.successes,
        b.failures,
        b.latencySumMs,
        b.latencyMaxMs,
        ...b.latencyCounts,
      );
    }
  };

  const release = (releases: readonly LeaseRelease[], now: number) => {
    const s = sql();
    for (const r of releases) s.releaseLease.run(r.nextAttemptAt, now, r.deliveryId, r.leaseUntil);
  };

  // IMMEDIATE: take the write lock up front, so a read-then-write transaction never fails to upgrade when
  // another process (the CLI) writes to the same file.
  const acceptTransaction = db.transaction(accept);
  const claimTransaction = db.transaction(claim);
  const completeTransaction = db.transaction(complete);
  const releaseTransaction = db.transaction(release);
  const countedClaim = (limit: number, now: number, leaseUntil: number, extraMs: number | null) => {
    const batch = claimTransaction.immediate(limit, now, leaseUntil, extraMs);
    metrics.claimTransactions++;
    metrics.claimedDeliveries += batch.claimed.length;
    return batch;
  };

  async function acceptAndLease(
    batch: Parameters<HotPathOperations["acceptMessages"]>[0],
    now: number,
    lease: AcceptLease | null,
    handOn: (leased: ClaimedDelivery[]) => void,
  ): Promise<AcceptResult[]> {
    if (batch.length === 0) {
      handOn([]);
      return [];
    }
    const { accepted, durable } = await exclusive(() => {
      // Nothing is committed that could not be made durable.
      if (walSync.failure) throw walSync.failure;
      const accepted = acceptTransaction.immediate(batch, now, lease);
      // An accepted message must survive a power cut, not only a crash. The commit ran at NORMAL (no fsync, as
      // for the engine's commits, where a lost outcome means a duplicate send, never a lost message); the sync
      // is requested here, inside the mutex right after the commit, so it covers this commit and no close()
      // can come between. It is awaited outside the mutex: the engine's transactions go on meanwhile.
      // A batch that wrote nothing (idempotent replays) waits too: the commit it found may not be synced yet.
      const durable = walSync.afterCommit();
      // Awaited below; this only keeps a failure from counting as unhandled before then.
      durable.catch(() => {});
      return { accepted, durable };
    });
    // Committed: the leased deliveries may be sent while the sync runs (see Store.acceptMessagesAndLease). A
    // crash from here on keeps the commit, which is in the kernel's cache; only a power cut can take it, and
    // then the producer, not answered yet, sends the message again.
    handOn(accepted.leased);
    await durable;
    metrics.acceptTransactions++;
    metrics.acceptedMessages += accepted.plan.messages.length;
    return accepted.plan.results;
  }

  return {
    acceptMessages(batch, now) {
      return acceptAndLease(batch, now, null, () => {});
    },

    acceptMessagesAndLease(batch, now, lease, handOn) {
      return acceptAndLease(batch, now, lease, handOn);
    },

    async claimDueDeliveries(limit, now, leaseUntil, leaseByTimeout) {
      if (limit <= 0) return [];
      const extraMs = leaseByTimeout?.extraMs ?? null;
      return (await exclusive(() => countedClaim(limit, now, leaseUntil, extraMs))).claimed;
    },

    async claimDueDeliveriesAndNextDue(limit, now, leaseUntil, leaseByTimeout) {
      if (limit <= 0) return { claimed: [], full: false, nextDueAt: null };
      const extraMs = leaseByTimeout?.extraMs ?? null;
      return exclusive(() => countedClaim(limit, now, leaseUntil, extraMs));
    },

    async completeDeliveries(outcomes, now) {
      if (outcomes.length === 0) return;
      await exclusive(() => completeTransaction.immediate(outcomes, now));
      metrics.outcomeTransactions++;
      metrics.recordedOutcomes += outcomes.length;
    },

    async releaseDeliveries(releases, now) {
      if (releases.length === 0) return;
      await exclusive(() => releaseTransaction.immediate(releases, now));
    },
  };
}
