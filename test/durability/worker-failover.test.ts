/**
 * Scale-out durability (DESIGN §1, §3), Postgres only: one `api` process accepts, two `worker` processes share
 * the queue, and one worker is killed with SIGKILL mid-run. The survivor must deliver everything, including what
 * the dead worker had leased once those leases end; the receiver's ledger is the judge, as in
 * crash-recovery.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { buildHerald } from "./build.js";
import { CLAIM_LEASE_MS, describeRun, seconds, splitByLeaseWait } from "./durability-report.js";
import { expectNothingLostAfterKill } from "./after-kill.js";
import { createTenants, expectedKeys, LoadGenerator } from "./load.js";
import { killAllHeralds, killHard } from "./processes.js";
import { leasesEndingBy } from "./queue-state.js";
import { cleanupAfter, openScenario, terminate, until } from "./scenario.js";

const MESSAGES = 3_000;
const CONCURRENCY = 24;

let bin: string;
beforeAll(() => {
  bin = buildHerald();
}, 120_000);
afterAll(killAllHeralds);

describe.skipIf(!BACKENDS.includes("postgres"))("two workers on Postgres, one killed (postgres)", () => {
  it(
    "the surviving worker delivers every accepted message, the dead worker's leased ones included",
    async ({ onTestFinished }) => {
      const scenario = await openScenario("postgres", bin, () => Math.random() * 40);
      onTestFinished(cleanupAfter(scenario));
      const { receiver, deployment, database } = scenario;

      const api = await scenario.start("api");
      const doomed = await scenario.start("worker");
      const survivor = await scenario.start("worker");
      const tenants = await createTenants(api.url ?? "", deployment.token, receiver, {
        apps: 2,
        endpointsPerApp: 3,
        timeoutSeconds: 2,
      });
      const load = new LoadGenerator(tenants, deployment.token, {
        concurrency: CONCURRENCY,
        limit: MESSAGES,
      });
      load.setTarget(api.url);
      load.start();
      onTestFinished(() => load.stop());

      await until(
        () => load.accepted.length >= MESSAGES * 0.4 && receiver.received >= 500 && receiver.inFlight > 0,
        60_000,
        "load and deliveries to be under way",
      );
      const acceptedBeforeKill = load.accepted.length;
      const killedAt = Date.now();
      await killHard(doomed);

      // Leases taken before the kill end by killedAt + lease; the survivor's later claims end after that. Once
      // the survivor's earlier sends have settled, what remains in that range was the dead worker's.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const orphaned = await leasesEndingBy(database, Date.now(), killedAt + CLAIM_LEASE_MS);
      expect(orphaned, "the killed worker held no leases: the scenario tested nothing").toBeGreaterThan(0);

      await load.done(60_000);
      expect(load.refused).toEqual(new Map());
      expect(load.unacknowledged).toBe(0);

      const expected = expectedKeys(load.accepted);
      const { lastArrivalAt, drainedAt, ledger, state, attemptRows } = await expectNothingLostAfterKill(
        scenario,
        tenants,
        expected,
        killedAt,
      );
      expect(state.succeeded).toBe(expected.length);
      const recovery = splitByLeaseWait(receiver, expected, killedAt);

      const [survivorStop, apiStop] = await Promise.all([
        terminate(survivor, 30_000),
        terminate(api, 30_000),
      ]);
      expect(survivorStop.code).toBe(0);
      expect(apiStop.code).toBe(0);

      console.log(
        describeRun("two workers, one killed (postgres)", [
          `${load.accepted.length} messages accepted (${acceptedBeforeKill} before the kill), ` +
            `${expected.length} deliveries owed`,
          `the killed worker held ${orphaned} leases`,
          `${receiver.received} requests received, ${attemptRows} attempts recorded ` +
            `(${receiver.received - attemptRows} sends' outcomes died with the killed process)`,
          `lost: 0; duplicates: ${ledger.duplicates} on ${ledger.duplicatedKeys} deliveries`,
          `after the kill, ${recovery.prompt} deliveries arrived within ` +
            `${seconds(recovery.promptLastAt - killedAt)}, ${recovery.leased} waited for the killed worker's ` +
            `leases (claim lease ${seconds(CLAIM_LEASE_MS)})`,
          `last owed delivery arrived ${seconds(lastArrivalAt - killedAt)} after the kill; every delivery ` +
            `was recorded ${seconds(drainedAt - killedAt)} after the kill`,
        ]),
      );
    },
    CLAIM_LEASE_MS + 180_000,
  );
});
