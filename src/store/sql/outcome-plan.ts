import { MessageStatus } from "../../domain/types.js";
import type { DeliveryOutcome } from "../store.js";

export const STATS_BUCKET_MS = 60_000;

export interface StatsIncrement {
  endpointId: string;
  bucketStart: number;
  successes: number;
  failures: number;
  latencySumMs: number;
}

/**
 * Sums a batch's attempts into per-endpoint minute buckets (by the attempt's start time). Sorted by key so that
 * concurrent batches upsert shared buckets in the same order and cannot deadlock each other on Postgres.
 */
export function statsIncrements(outcomes: readonly DeliveryOutcome[]): StatsIncrement[] {
  const buckets = new Map<string, StatsIncrement>();
  for (const { attempt } of outcomes) {
    const bucketStart = attempt.createdAt - (attempt.createdAt % STATS_BUCKET_MS);
    const key = `${attempt.endpointId} ${bucketStart}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { endpointId: attempt.endpointId, bucketStart, successes: 0, failures: 0, latencySumMs: 0 };
      buckets.set(key, bucket);
    }
    if (attempt.status === MessageStatus.Success) bucket.successes++;
    else bucket.failures++;
    bucket.latencySumMs += attempt.responseDurationMs;
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
