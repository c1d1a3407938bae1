/**
 * SIGTERM drains (DESIGN §3 "Shutdown"): with sends in flight to a slow receiver, `herald serve` stops claiming,
 * lets the sends finish, records each of them, gives back every lease it holds, and exits 0. Checked from the
 * outside: the database right after the exit (an attempt row for every request the receiver got, no lease
 * left, everything pending claimable at once), then a restart that finishes the rest without waiting for any
 * lease and without sending anything twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { rawRows } from "../store/raw.js";
import { MessageStatus } from "../../src/domain/types.js";
import { buildHerald } from "./build.js";
import { CLAIM_LEASE_MS, describeRun, seconds } from "./durability-report.js";
import { compareLedger } from "./ledger.js";
import { createTenants, expectedKeys, LoadGenerator } from "./load.js";
import { killAllHeralds } from "./processes.js";
import { attemptsByKey, queueState } from "./queue-state.js";
import { cleanupAfter, openScenario, terminate, until, waitForEveryDeliveryOrExplain } from "./scenario.js";

const MESSAGES = 400;
const SLOW_ANSWER_MS = 500;

let bin: string;
beforeAll(() => {
  bin = buildHerald();
}, 120_000);
afterAll(killAllHeralds);

describe.each(BACKENDS)("SIGTERM while delivering (%s)", (backend) => {
  it("finishes and records the sends in flight, leaves nothing leased, and exits 0", async ({
    onTestFinished,
  }) => {
    const scenario = await openScenario(backend, bin, () => SLOW_ANSWER_MS);
    onTestFinished(cleanupAfter(scenario));
    const { receiver, deployment, database } = scenario;

    const herald = await scenario.start("all");
    const tenants = await createTenants(herald.url ?? "", deployment.token, receiver, {
      apps: 2,
      endpointsPerApp: 3,
      timeoutSeconds: 5,
    });
    const load = new LoadGenerator(tenants, deployment.token, { concurrency: 16, limit: MESSAGES });
    load.setTarget(herald.url);
    load.start();
    onTestFinished(() => load.stop());
    await load.done(30_000);

    // Six endpoints, 32 sends each at most (HERALD_DELIVERY_ENDPOINT_CONCURRENCY): wait for a full house.
    await until(() => receiver.inFlight >= 100, 20_000, "sends in flight");
    // Accepts keep arriving through the signal: each one answered 2xx must be durable all the same.
    const lateLoad = new LoadGenerator(tenants, deployment.token, { concurrency: 8, limit: 100_000 });
    lateLoad.setTarget(herald.url);
    lateLoad.start();
    onTestFinished(() => lateLoad.stop());
    await until(() => lateLoad.accepted.length >= 20, 10_000, "accepts during the shutdown");
    const inFlightAtSignal = receiver.inFlightKeys();
    const stopped = await terminate(herald, 25_000);
    await lateLoad.stop();
    // Requests that arrive while it drains are refused with 503 (or find the port closed), never half-done.
    expect([...lateLoad.refused.keys()].filter((status) => status !== 503)).toEqual([]);
    const accepted = [...load.accepted, ...lateLoad.accepted];
    const expected = expectedKeys(accepted);
    expect(stopped.code).toBe(0);
    // Sends of 500 ms finish long before the engine's 10 s drain would interrupt them.
    expect(stopped.ms).toBeLessThan(8_000);
    expect(herald.output()).not.toMatch(/interrupting|could not be released/);
    expect(receiver.inFlight).toBe(0);

    // Every request the receiver got, including those in flight at the signal, has exactly one attempt row.
    const attempts = await attemptsByKey(database, tenants);
    const unrecorded = [...receiver.counts].filter(([key, count]) => attempts.get(key) !== count);
    expect(unrecorded).toEqual([]);
    expect([...attempts.keys()].filter((key) => !receiver.counts.has(key))).toEqual([]);
    const [failedAttempts] = await rawRows<{ total: number }>(
      database,
      `SELECT CAST(COUNT(*) AS INTEGER) AS total FROM attempts WHERE status <> ${MessageStatus.Success}`,
    );
    expect(Number(failedAttempts?.total)).toBe(0);

    // Nothing is left leased: what was not sent is pending and claimable now, not when a lease would end.
    const now = Date.now();
    const state = await queueState(database, now);
    expect(state.pending, "the shutdown came too late to leave work queued").toBeGreaterThan(0);
    expect(state.leased).toBe(0);
    expect(state.claimableNow).toBe(state.pending);
    // Deliveries of requests cut off without an answer may exist too: Herald owes nothing for those.
    expect(state.pending + state.succeeded).toBeGreaterThanOrEqual(expected.length);
    expect(state.succeeded).toBe(receiver.received);

    // A restart finishes the rest promptly (well within one lease) and sends nothing twice.
    receiver.delayMs = () => 0;
    const restarted = await scenario.start("all");
    const restartedAt = Date.now();
    const { lastArrivalAt } = await waitForEveryDeliveryOrExplain(scenario, tenants, expected, 30_000);
    const ledger = compareLedger(receiver.counts, expected);
    expect(ledger.duplicates).toBe(0);
    expect(receiver.problems).toEqual([]);
    expect((await terminate(restarted, 25_000)).code).toBe(0);

    console.log(
      describeRun(`SIGTERM (${backend})`, [
        `${inFlightAtSignal.length} sends in flight at the signal; exit 0 after ${seconds(stopped.ms)}`,
        `${accepted.length} messages accepted (${lateLoad.accepted.length} while the signal arrived; ` +
          `${lateLoad.refused.get(503) ?? 0} refused with 503, ${lateLoad.unacknowledged} without an answer)`,
        `${state.succeeded} deliveries recorded, ${state.pending} left pending and unleased`,
        `after a restart the rest arrived within ${seconds(lastArrivalAt - restartedAt)} ` +
          `(a leftover lease would have taken up to ${seconds(CLAIM_LEASE_MS)}); duplicates: ${ledger.duplicates}`,
      ]),
    );
  }, 90_000);
});
