/**
 * How the delivery scenarios know they are done and that nothing was lost: the receiver's ledger against what
 * was accepted, the delivery log (attempt rows) against it too, and the engine's own count of deliveries it
 * still holds.
 */
import type { DeliveryEngine } from "../src/delivery/engine.js";
import type { EndpointId } from "../src/domain/ids.js";
import type { EpochMs } from "../src/domain/types.js";
import type { Store } from "../src/store/store.js";
import { ENDPOINTS_PER_APP } from "./fixtures.js";
import type { ReceiverLedger, ReceiverProcess } from "./receiver.js";

/** Problems with the receiver's ledger when each of the three endpoints should have got `perEndpoint` messages once. */
export function ledgerProblems(ledger: ReceiverLedger, perEndpoint: number): string[] {
  const problems: string[] = [];
  const expected = perEndpoint * ENDPOINTS_PER_APP;
  if (ledger.distinct !== expected)
    problems.push(`the receiver got ${ledger.distinct} distinct deliveries, expected ${expected}`);
  if (ledger.received !== ledger.distinct)
    problems.push(`${ledger.received - ledger.distinct} deliveries arrived more than once`);
  if (ledger.withoutId > 0) problems.push(`${ledger.withoutId} requests carried no message id`);
  for (const [path, counts] of Object.entries(ledger.byPath)) {
    if (counts.distinct !== perEndpoint)
      problems.push(`${path} got ${counts.distinct} distinct messages, expected ${perEndpoint}`);
  }
  return problems;
}

/** Problems with the delivery log: each endpoint should have exactly `perEndpoint` successful attempts. */
export async function attemptLogProblems(
  store: Store,
  endpointIds: readonly EndpointId[],
  perEndpoint: number,
  since: EpochMs,
): Promise<string[]> {
  const problems: string[] = [];
  const until = Date.now() + 60_000;
  for (const endpointId of endpointIds) {
    const counts = await store.countEndpointAttempts(endpointId, since, until);
    const other = counts.fail + counts.pending + counts.sending + counts.canceled;
    if (counts.success !== perEndpoint || other !== 0)
      problems.push(
        `endpoint ${endpointId}: ${counts.success} successful and ${other} other attempts recorded, expected ${perEndpoint} successful`,
      );
  }
  return problems;
}

/**
 * Resolves with the moment (epoch ms, performance clock) the engine was first seen holding nothing once the
 * receiver had every delivery — every attempt's outcome is then committed, since the engine counts a delivery
 * until its outcome is — or with null when the receiver got nothing new for `stallMs`. Checks the engine every
 * millisecond and asks the receiver when the engine holds nothing, and every quarter second for progress.
 */
export function waitUntilDelivered(
  engine: DeliveryEngine,
  receiver: ReceiverProcess,
  expected: number,
  stallMs: number,
  clock: () => number,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    let asking = false;
    let lastDistinct = -1;
    let lastProgressAt = clock();
    let lastAskedAt = 0;
    const finish = (result: number | null | Error) => {
      clearInterval(timer);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setInterval(() => {
      if (asking) return;
      const seenAt = clock();
      const idle = engine.stats().held === 0;
      if (!idle && seenAt - lastAskedAt < 250) return;
      asking = true;
      lastAskedAt = seenAt;
      receiver.ledger().then(
        (ledger) => {
          asking = false;
          if (idle && ledger.distinct >= expected && engine.stats().held === 0) return finish(seenAt);
          if (ledger.distinct !== lastDistinct) {
            lastDistinct = ledger.distinct;
            lastProgressAt = clock();
          } else if (clock() - lastProgressAt > stallMs) {
            finish(null);
          }
        },
        (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
      );
    }, 1);
  });
}
