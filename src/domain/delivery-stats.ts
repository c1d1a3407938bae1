/**
 * Delivery health arithmetic, pure: the fixed latency histogram the outcome writer fills per endpoint and
 * minute (`endpoint_stats`), what the health views derive from summed counters (success rate, mean and
 * approximate p95 response time), and how a time window is cut into chart buckets.
 *
 * A fixed histogram, rather than stored durations, keeps the counters additive: any set of minutes and
 * endpoints sums into one histogram, so a p95 over 28 days costs a grouped sum, not a scan of the attempt log.
 * The price is precision: a percentile is known only to within its bucket.
 */
import type { EpochMs } from "./types.js";

/** Inclusive upper bounds (ms) of the latency buckets; one more bucket holds everything slower. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
];
/** Buckets in a latency histogram: one per bound, plus the overflow bucket. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The histogram bucket an attempt of `durationMs` falls in. */
export function latencyBucket(durationMs: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
    if (durationMs <= (LATENCY_BOUNDS_MS[i] ?? 0)) return i;
  }
  return LATENCY_BOUNDS_MS.length;
}

/** Summed health counters of some attempts (scheduled and manual alike). */
export interface DeliveryCounts {
  successes: number;
  failures: number;
  latencySumMs: number;
  /** The slowest attempt's duration; 0 without attempts, and for minutes counted before the histogram existed. */
  latencyMaxMs: number;
  /** Attempts per latency bucket (LATENCY_BOUNDS_MS, then the overflow); LATENCY_BUCKETS entries. */
  latencyHistogram: number[];
}

export function emptyCounts(): DeliveryCounts {
  return {
    successes: 0,
    failures: 0,
    latencySumMs: 0,
    latencyMaxMs: 0,
    latencyHistogram: new Array<number>(LATENCY_BUCKETS).fill(0),
  };
}

/** Adds `more` into `total` (which it returns). */
export function addCounts(total: DeliveryCounts, more: DeliveryCounts): DeliveryCounts {
  total.successes += more.successes;
  total.failures += more.failures;
  total.latencySumMs += more.latencySumMs;
  total.latencyMaxMs = Math.max(total.latencyMaxMs, more.latencyMaxMs);
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    total.latencyHistogram[i] = (total.latencyHistogram[i] ?? 0) + (more.latencyHistogram[i] ?? 0);
  }
  return total;
}

/**
 * The `fraction` percentile (0.95 for p95) of the durations a histogram counts: the upper bound of the bucket
 * holding it, or the slowest duration seen when that is lower (and always for the overflow bucket, which has
 * no bound). Null when the histogram counts nothing.
 */
export function latencyPercentile(
  histogram: readonly number[],
  maxMs: number,
  fraction: number,
): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  // The 1-based rank of the percentile's attempt (nearest-rank method).
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    if (seen < rank) continue;
    const bound = LATENCY_BOUNDS_MS[i];
    return bound === undefined ? maxMs : Math.min(bound, maxMs);
  }
  return maxMs;
}

export interface DeliverySummary {
  successes: number;
  failures: number;
  /** successes / (successes + failures); null without attempts. */
  successRate: number | null;
  /** Whole milliseconds; null without attempts. */
  avgDurationMs: number | null;
  /** Approximate (see latencyPercentile); null without attempts in the histogram. */
  p95DurationMs: number | null;
}

export function summarise(counts: DeliveryCounts): DeliverySummary {
  const attempts = counts.successes + counts.failures;
  return {
    successes: counts.successes,
    failures: counts.failures,
    successRate: attempts === 0 ? null : counts.successes / attempts,
    avgDurationMs: attempts === 0 ? null : Math.round(counts.latencySumMs / attempts),
    p95DurationMs: latencyPercentile(counts.latencyHistogram, counts.latencyMaxMs, 0.95),
  };
}

const MINUTE_MS = 60_000;

/** The start of the minute `ms` falls in: the granularity of the stored counters. */
export const minuteOf = (ms: EpochMs): EpochMs => ms - (ms % MINUTE_MS);

/** About this many buckets when the caller names no width. */
export const TARGET_SERIES_BUCKETS = 48;
/** At most this many buckets in one series (a day at one-minute resolution). */
export const MAX_SERIES_BUCKETS = 1_440;

/** Widths a chart axis reads well, in minutes; each divides a day, so buckets start on round clock times. */
const ROUND_WIDTHS_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1_440];

/**
 * The default bucket width for a window: the smallest round width (ROUND_WIDTHS_MINUTES, then whole days) that
 * cuts it into at most about TARGET_SERIES_BUCKETS buckets.
 */
export function defaultBucketMs(windowMs: number): number {
  const wantedMinutes = Math.max(1, Math.ceil(windowMs / TARGET_SERIES_BUCKETS / MINUTE_MS));
  const round = ROUND_WIDTHS_MINUTES.find((minutes) => minutes >= wantedMinutes);
  const minutes = round ?? Math.ceil(wantedMinutes / 1_440) * 1_440;
  return minutes * MINUTE_MS;
}

/** The start of the series bucket holding `ms`: buckets are aligned to multiples of their width since the epoch. */
export const seriesBucketOf = (ms: EpochMs, bucketMs: number): EpochMs => ms - (ms % bucketMs);

/** How many buckets of `bucketMs` cover `[since, until]`: from the one holding `since` to the one holding `until`. */
export function seriesBucketCount(since: EpochMs, until: EpochMs, bucketMs: number): number {
  return (seriesBucketOf(until, bucketMs) - seriesBucketOf(since, bucketMs)) / bucketMs + 1;
}

/** The starts of the buckets covering `[since, until]`, oldest first. */
export function seriesBucketStarts(since: EpochMs, until: EpochMs, bucketMs: number): EpochMs[] {
  const starts: EpochMs[] = [];
  for (let start = seriesBucketOf(since, bucketMs); start <= until; start += bucketMs) starts.push(start);
  return starts;
}
