/** Shared figures and formatting for what the durability tests print. */
import { DELIVERY_ENGINE_DEFAULTS } from "../../src/delivery/engine.js";
import { MAX_SEND_MS } from "../../src/delivery/endpoint-lanes.js";
import type { LedgerReceiver } from "./ledger.js";

/**
 * The longest lease a claim gives, as src/delivery/engine.ts computes it with its defaults (an endpoint with the
 * longest timeout); leases follow each endpoint's timeout, so the tests' 2-second endpoints come due again far
 * sooner. The tests use it only to bound how long they wait.
 */
export const CLAIM_LEASE_MS =
  DELIVERY_ENGINE_DEFAULTS.maxLaneWaitMs * 1.25 + MAX_SEND_MS + DELIVERY_ENGINE_DEFAULTS.leaseMarginMs;

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function describeRun(title: string, lines: readonly string[]): string {
  return [`[durability] ${title}`, ...lines.map((line) => `  ${line}`)].join("\n");
}

/**
 * Splits the owed deliveries that arrived after a kill into those that came promptly and those that waited for
 * the killed process's leases to end (first received more than half a lease after the kill).
 */
export function splitByLeaseWait(
  receiver: LedgerReceiver,
  expected: readonly string[],
  killedAt: number,
): { prompt: number; promptLastAt: number; leased: number } {
  let prompt = 0;
  let promptLastAt = killedAt;
  let leased = 0;
  for (const key of expected) {
    const at = receiver.firstReceivedAt.get(key) ?? 0;
    if (at <= killedAt) continue;
    if (at > killedAt + CLAIM_LEASE_MS / 2) {
      leased++;
    } else {
      prompt++;
      promptLastAt = Math.max(promptLastAt, at);
    }
  }
  return { prompt, promptLastAt, leased };
}
