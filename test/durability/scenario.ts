/**
 * One durability scenario's world: a fresh database, the deployment settings every Herald process of it
 * shares, and the ledger receiver. `cleanup()` kills whatever Herald processes the scenario started, then closes
 * the receiver and drops the database — call it from `onTestFinished`, so it runs when the test fails too (see
 * `cleanupAfter`).
 */
import { randomBytes } from "node:crypto";
import type { Role } from "../../src/config/config.js";
import { createTestDatabase, type Backend, type TestDatabase } from "../helpers/databases.js";
import { startLedgerReceiver, waitForEveryDelivery, type LedgerReceiver } from "./ledger.js";
import type { Tenant } from "./load.js";
import { deploymentDataDir, startHerald, type Deployment, type HeraldProcess } from "./processes.js";
import { describeDeliveries } from "./queue-state.js";

export interface Scenario {
  database: TestDatabase;
  deployment: Deployment;
  receiver: LedgerReceiver;
  /** Starts a Herald process of this deployment; it is killed at cleanup if still running. */
  start(role: Role): Promise<HeraldProcess>;
  /** Kills what is left, closes the receiver, drops the database; after a failure, prints what each process said. */
  cleanup(failed: boolean): Promise<void>;
}

export async function openScenario(
  backend: Backend,
  bin: string,
  receiverDelayMs: () => number,
): Promise<Scenario> {
  const database = await createTestDatabase(backend);
  const data = deploymentDataDir(database);
  const receiver = await startLedgerReceiver(receiverDelayMs);
  const deployment: Deployment = {
    bin,
    database,
    dataDir: data.dataDir,
    token: `hk_durability_${randomBytes(16).toString("hex")}`,
  };
  const processes: HeraldProcess[] = [];
  return {
    database,
    deployment,
    receiver,
    async start(role) {
      const started = await startHerald(deployment, role);
      processes.push(started);
      return started;
    },
    async cleanup(failed) {
      if (failed) {
        for (const [index, process_] of processes.entries()) {
          console.log(`--- output of Herald process ${index + 1} (${process_.role}, pid ${process_.pid}):`);
          console.log(process_.output());
        }
      }
      await Promise.all(
        processes.map(async (process_) => {
          process_.child.kill("SIGKILL");
          await process_.exited;
        }),
      );
      await receiver.close();
      await database.cleanup();
      data.cleanup();
    },
  };
}

/**
 * `waitForEveryDelivery`, and when something is missing, what the database holds for each missing delivery: a
 * loss report a developer can act on.
 */
export async function waitForEveryDeliveryOrExplain(
  scenario: Scenario,
  tenants: readonly Tenant[],
  expected: readonly string[],
  timeoutMs: number,
): Promise<{ lastArrivalAt: number }> {
  try {
    return await waitForEveryDelivery(scenario.receiver, expected, timeoutMs);
  } catch (error) {
    const missing = expected.filter((key) => !scenario.receiver.counts.has(key)).slice(0, 20);
    const explained = await describeDeliveries(scenario.database, tenants, missing).catch(
      (failure: unknown) => [`(reading the database failed: ${String(failure)})`],
    );
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\nIn the database:\n  ${explained.join("\n  ")}`,
    );
  }
}

/** Polls `condition` every few milliseconds; rejects with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** As `until`, for a condition that needs I/O (a database query), checked every `intervalMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Sends SIGTERM and waits up to `boundMs` for the process to exit; reports its exit and how long it took. */
export async function terminate(
  process_: HeraldProcess,
  boundMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const startedAt = Date.now();
  process_.child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    process_.exited,
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), boundMs))),
  ]);
  clearTimeout(timer);
  if (outcome === null) {
    throw new Error(
      `${process_.role} process did not exit within ${boundMs} ms of SIGTERM:\n${process_.output()}`,
    );
  }
  return { ...outcome, ms: Date.now() - startedAt };
}

/** The `onTestFinished` handler that cleans a scenario up, with the processes' output when the test failed. */
export function cleanupAfter(scenario: Scenario) {
  return (context: { task: { result?: { state: string } } }): Promise<void> =>
    scenario.cleanup(context.task.result?.state === "fail");
}
