/**
 * What every kill test checks once the load is done: each acknowledged message reached each of its endpoints,
 * the database holds nothing pending or failed, no attempt is recorded that the receiver did not get, and every
 * duplicate is explained by the crash (a send the receiver got whose outcome died with the killed process).
 */
import { expect } from "vitest";
import { CLAIM_LEASE_MS } from "./durability-report.js";
import { compareLedger } from "./ledger.js";
import type { Tenant } from "./load.js";
import { attemptsByKey, queueState, type QueueState } from "./queue-state.js";
import { eventually, waitForEveryDeliveryOrExplain, type Scenario } from "./scenario.js";

export interface AfterKill {
  lastArrivalAt: number;
  /** When the database held no pending delivery any more. */
  drainedAt: number;
  ledger: ReturnType<typeof compareLedger>;
  state: QueueState;
  attemptRows: number;
}

export async function expectNothingLostAfterKill(
  scenario: Scenario,
  tenants: readonly Tenant[],
  expected: readonly string[],
  killedAt: number,
): Promise<AfterKill> {
  const { database, receiver } = scenario;
  const { lastArrivalAt } = await waitForEveryDeliveryOrExplain(
    scenario,
    tenants,
    expected,
    CLAIM_LEASE_MS + 60_000,
  );

  // Sends whose outcome died with the process are in the ledger already but still leased in the database:
  // they are sent again (a duplicate) and recorded only once their leases end.
  const state = await eventually(
    () => queueState(database, Date.now()),
    (queue) => queue.pending === 0,
    killedAt + CLAIM_LEASE_MS + 30_000 - Date.now(),
  );
  const drainedAt = Date.now();
  const ledger = compareLedger(receiver.counts, expected);
  expect(ledger.missing).toEqual([]);
  expect(receiver.problems).toEqual([]);
  // No attempt is recorded that the receiver did not get (a success written for a send that never happened).
  const attempts = await attemptsByKey(database, tenants);
  expect([...attempts].filter(([key, count]) => count > (receiver.counts.get(key) ?? 0))).toEqual([]);
  const attemptRows = [...attempts.values()].reduce((sum, count) => sum + count, 0);
  expect(state).toMatchObject({ pending: 0, failed: 0, canceled: 0 });
  // Every duplicate is explained by the crash: a send the receiver got whose outcome was never recorded.
  expect(ledger.duplicates).toBeLessThanOrEqual(receiver.received - attemptRows);
  return { lastArrivalAt, drainedAt, ledger, state, attemptRows };
}
