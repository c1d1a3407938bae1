import { LATENCY_BUCKETS, latencyBucket } from "../../domain/delivery-stats.js";
import { MessageStatus } from "../../domain/types.js";
import type { DeliveryOutcome } from "../store.js";

export const STATS_BUCKET_MS = 60_000;

export interface StatsIncrement {
  endpointId: string;
  bucketStart: number;
  successes: number;
  failures: number;
  latencySumMs: number;
  latencyMaxMs: number;
  /** Attempts per latency bucket, in the order of schema.ts LATENCY_COLUMNS. */
  latencyCounts: number[];
}

/**
 * Sums a batch's attempts into per-endpoint minute buckets (by the attempt's start time), latency histogram
 * included. Sorted by key so that concurrent batches upsert shared buckets in the same order and cannot
 * deadlock each other on Postgres. Takes only the attempts, so that a test send, recorded outside the
 * engine's outcomes, is counted by the same rules.
 */
export function statsIncrements(outcomes: readonly Pick<DeliveryOutcome, "attempt">[]): StatsIncrement[] {
  const buckets = new Map<string, StatsIncrement>();
  for (const { attempt } of outcomes) {
    const bucketStart = attempt.createdAt - (attempt.createdAt % STATS_BUCKET_MS);
    const key = `${attempt.endpointId} ${bucketStart}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = {
        endpointId: attempt.endpointId,
        bucketStart,
        successes: 0,
        failures: 0,
        latencySumMs: 0,
        latencyMaxMs: 0,
        latencyCounts: new Array<number>(LATENCY_BUCKETS).fill(0),
      };
      buckets.set(key, bucket);
    }
    if (attempt.status === MessageStatus.Success) bucket.successes++;
    else bucket.failures++;
    const duration = attempt.responseDurationMs;
    bucket.latencySumMs += duration;
    if (duration > bucket.latencyMaxMs) bucket.latencyMaxMs = duration;
    const index = latencyBucket(duration);
    bucket.latencyCounts[index] = (bucket.latencyCounts[index] ?? 0) + 1;
  }
  return [...buckets.values()].sort((a, b) =>
    a.endpointId < b.endpointId ? -1 : a.endpointId > b.endpointId ? 1 : a.bucketStart - b.bucketStart,
  );
}

/** The distinct endpoints a batch asks to disable, sorted (same lock order in every batch). */
export function endpointsToDisable(outcomes: readonly DeliveryOutcome[]): string[] {
  const ids = new Set<string>();
  for (const outcome of outcomes) if (outcome.disableEndpoint) ids.add(outcome.attempt.endpointId);
  return [...ids].sort();
}
