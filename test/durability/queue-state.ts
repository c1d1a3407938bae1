/**
 * What the database says about the queue, read directly (bypassing the store), for checks after a process
 * died or stopped: which deliveries are still pending or leased, and which sends have an attempt row.
 */
import { MessageStatus } from "../../src/domain/types.js";
import type { TestDatabase } from "../helpers/databases.js";
import { rawRows } from "../store/raw.js";
import { ledgerKey } from "./ledger.js";
import type { Tenant } from "./load.js";

export interface QueueState {
  pending: number;
  /** Pending deliveries with a lease set (running out or not). */
  leased: number;
  /** Pending deliveries due at `now` and not leased: what a claim at `now` would take. */
  claimableNow: number;
  succeeded: number;
  failed: number;
  canceled: number;
}

export async function queueState(database: TestDatabase, now: number): Promise<QueueState> {
  const rows = await rawRows<{ status: number; total: number; leased: number; claimable: number }>(
    database,
    `SELECT status, CAST(COUNT(*) AS INTEGER) AS total,
       CAST(SUM(CASE WHEN lease_until IS NOT NULL THEN 1 ELSE 0 END) AS INTEGER) AS leased,
       CAST(SUM(CASE WHEN next_attempt_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})
         THEN 1 ELSE 0 END) AS INTEGER) AS claimable
     FROM deliveries GROUP BY status`,
  );
  const byStatus = (status: number) => rows.find((row) => Number(row.status) === status);
  const pending = byStatus(MessageStatus.Pending);
  return {
    pending: Number(pending?.total ?? 0),
    leased: Number(pending?.leased ?? 0),
    claimableNow: Number(pending?.claimable ?? 0),
    succeeded: Number(byStatus(MessageStatus.Success)?.total ?? 0),
    failed: Number(byStatus(MessageStatus.Fail)?.total ?? 0),
    canceled: Number(byStatus(MessageStatus.Canceled)?.total ?? 0),
  };
}

/** Pending deliveries whose lease ends at or before `until` (leases taken before a given moment). */
export async function leasesEndingBy(database: TestDatabase, now: number, until: number): Promise<number> {
  const [row] = await rawRows<{ total: number }>(
    database,
    `SELECT CAST(COUNT(*) AS INTEGER) AS total FROM deliveries
     WHERE status = ${MessageStatus.Pending} AND lease_until >= ${now} AND lease_until <= ${until}`,
  );
  return Number(row?.total ?? 0);
}

/** Attempt rows per ledger key (message id, receiver path). */
export async function attemptsByKey(
  database: TestDatabase,
  tenants: readonly Tenant[],
): Promise<Map<string, number>> {
  const pathOf = new Map<string, string>();
  for (const tenant of tenants) for (const [id, path] of tenant.pathByEndpointId) pathOf.set(id, path);
  const rows = await rawRows<{ message_id: string; endpoint_id: string; total: number }>(
    database,
    `SELECT message_id, endpoint_id, CAST(COUNT(*) AS INTEGER) AS total FROM attempts
     GROUP BY message_id, endpoint_id`,
  );
  const byKey = new Map<string, number>();
  for (const row of rows) {
    const path = pathOf.get(row.endpoint_id) ?? `unknown endpoint ${row.endpoint_id}`;
    byKey.set(ledgerKey(row.message_id, path), Number(row.total));
  }
  return byKey;
}

/** One line per ledger key saying what the database holds for it: for explaining a loss. */
export async function describeDeliveries(
  database: TestDatabase,
  tenants: readonly Tenant[],
  keys: readonly string[],
): Promise<string[]> {
  const endpointOf = new Map<string, string>();
  for (const tenant of tenants) for (const [id, path] of tenant.pathByEndpointId) endpointOf.set(path, id);
  const wanted = keys.map((key) => {
    const [messageId = "", path = ""] = key.split(" ");
    return { key, messageId, endpointId: endpointOf.get(path) ?? "" };
  });
  const quoted = (values: string[]) => values.map((value) => `'${value.replace(/'/g, "''")}'`).join(", ");
  const rows = await rawRows<{
    message_id: string;
    endpoint_id: string;
    status: number;
    attempt_count: number;
    next_attempt_at: number | null;
    lease_until: number | null;
  }>(
    database,
    `SELECT message_id, endpoint_id, status, attempt_count, next_attempt_at, lease_until FROM deliveries
     WHERE message_id IN (${quoted([...new Set(wanted.map((w) => w.messageId)), ""])})`,
  );
  const now = Date.now();
  return wanted.map(({ key, messageId, endpointId }) => {
    const found = rows.filter((row) => row.message_id === messageId && row.endpoint_id === endpointId);
    if (found.length === 0) return `${key}: no delivery row`;
    return `${key}: ${found
      .map(
        (row) =>
          `status ${row.status}, ${row.attempt_count} attempts, due in ` +
          `${row.next_attempt_at === null ? "-" : Number(row.next_attempt_at) - now} ms, lease ` +
          `${row.lease_until === null ? "none" : `ends in ${Number(row.lease_until) - now} ms`}`,
      )
      .join("; ")}`;
  });
}
