/**
 * "Never lose an accepted message" (DESIGN §2–3), with real processes: Herald accepts messages under load and is
 * killed with SIGKILL while deliveries are in flight, then restarted on the same database. Every message it
 * acknowledged with a 2xx must reach every subscribed endpoint at least once — the receiver's ledger is the
 * judge. Duplicates are allowed (a send whose outcome died with the process is sent again) and reported.
 *
 * Deliveries the killed process had leased come back only when their leases end, so this test lasts at least
 * one lease (see CLAIM_LEASE_MS). The backends run concurrently: most of that time is spent waiting.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { buildHerald } from "./build.js";
import { CLAIM_LEASE_MS, describeRun, seconds, splitByLeaseWait } from "./durability-report.js";
import { expectNothingLostAfterKill } from "./after-kill.js";
import { createTenants, expectedKeys, LoadGenerator } from "./load.js";
import { killAllHeralds, killHard } from "./processes.js";
import { cleanupAfter, openScenario, terminate, until } from "./scenario.js";

const MESSAGES = 3_000;
const CONCURRENCY = 24;
const ENDPOINTS_PER_APP = 3;

let bin: string;
beforeAll(() => {
  bin = buildHerald();
}, 120_000);
afterAll(killAllHeralds);

describe("kill -9 while delivering, then a restart", () => {
  it.concurrent.for(BACKENDS)(
    "%s: every accepted message reaches every endpoint",
    { timeout: CLAIM_LEASE_MS + 180_000 },
    async (backend, { expect, onTestFinished }) => {
      // A random answer time of up to 40 ms keeps dozens of sends in flight at any moment.
      const scenario = await openScenario(backend, bin, () => Math.random() * 40);
      onTestFinished(cleanupAfter(scenario));
      const { receiver, deployment } = scenario;

      let herald = await scenario.start("all");
      const tenants = await createTenants(herald.url ?? "", deployment.token, receiver, {
        apps: 2,
        endpointsPerApp: ENDPOINTS_PER_APP,
        timeoutSeconds: 2,
      });
      const load = new LoadGenerator(tenants, deployment.token, {
        concurrency: CONCURRENCY,
        limit: MESSAGES,
      });
      load.setTarget(herald.url);
      load.start();
      onTestFinished(() => load.stop());

      // Kill while accepts are still arriving and the receiver holds sends it has not answered.
      await until(
        () => load.accepted.length >= MESSAGES * 0.4 && receiver.received >= 500 && receiver.inFlight > 0,
        60_000,
        "load and deliveries to be under way",
      );
      const inFlightAtKill = receiver.inFlightKeys();
      const acceptedBeforeKill = load.accepted.length;
      const receivedBeforeKill = receiver.received;
      const killedAt = Date.now();
      await killHard(herald);
      load.setTarget(null);

      herald = await scenario.start("all");
      const restartedAt = Date.now();
      load.setTarget(herald.url);
      await load.done(60_000);
      expect(load.refused).toEqual(new Map());

      const expected = expectedKeys(load.accepted);
      const { lastArrivalAt, drainedAt, ledger, state, attemptRows } = await expectNothingLostAfterKill(
        scenario,
        tenants,
        expected,
        killedAt,
      );
      expect(state.succeeded).toBeGreaterThanOrEqual(expected.length);

      const recovery = splitByLeaseWait(receiver, expected, killedAt);
      const acceptedKeys = new Set(expected);
      const unacknowledgedDelivered = [...receiver.counts.keys()].filter((key) => !acceptedKeys.has(key));
      const stopped = await terminate(herald, 30_000);
      expect(stopped.code).toBe(0);

      console.log(
        describeRun(`kill -9 (${backend})`, [
          `${load.accepted.length} messages accepted (${acceptedBeforeKill} before the kill), ` +
            `${expected.length} deliveries owed, ${receivedBeforeKill} received before the kill`,
          `${receiver.received} requests received, ${attemptRows} attempts recorded ` +
            `(${receiver.received - attemptRows} sends' outcomes died with the killed process)`,
          `lost: 0; duplicates: ${ledger.duplicates} on ${ledger.duplicatedKeys} deliveries ` +
            `(${inFlightAtKill.length} were unanswered at the kill, ` +
            `${inFlightAtKill.filter((key) => (receiver.counts.get(key) ?? 0) > 1).length} of them sent again)`,
          `${load.unacknowledged} requests got no answer; ` +
            `${unacknowledgedDelivered.length} deliveries of messages never acknowledged arrived anyway`,
          `restart took ${seconds(restartedAt - killedAt)}; ${recovery.prompt} deliveries arrived within ` +
            `${seconds(recovery.promptLastAt - restartedAt)} of the restart, ${recovery.leased} waited for the ` +
            `killed process's leases (claim lease ${seconds(CLAIM_LEASE_MS)})`,
          `last owed delivery arrived ${seconds(lastArrivalAt - killedAt)} after the kill; ` +
            `every delivery was recorded ${seconds(drainedAt - killedAt)} after the kill`,
        ]),
      );
    },
  );
});
