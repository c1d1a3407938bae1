import { describe, expect, it } from "vitest";
import {
  addCounts,
  defaultBucketMs,
  emptyCounts,
  LATENCY_BOUNDS_MS,
  LATENCY_BUCKETS,
  latencyBucket,
  latencyPercentile,
  minuteOf,
  seriesBucketCount,
  seriesBucketOf,
  seriesBucketStarts,
  summarise,
  type DeliveryCounts,
} from "../../src/domain/delivery-stats.js";
import { LATENCY_COLUMNS } from "../../src/store/sql/schema.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A histogram with `count` attempts in bucket `index` for each [index, count]. */
function histogram(...entries: [number, number][]): number[] {
  const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const [index, count] of entries) counts[index] = count;
  return counts;
}

describe("latency histogram", () => {
  it("has one stored column per bucket", () => {
    expect(LATENCY_COLUMNS).toHaveLength(LATENCY_BUCKETS);
    // Each column is named for its bucket's inclusive upper bound.
    LATENCY_BOUNDS_MS.forEach((bound, i) => expect(LATENCY_COLUMNS[i]).toBe(`latency_le_${bound}`));
  });

  it("puts a duration in the first bucket whose bound it does not exceed", () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(25)).toBe(0);
    expect(latencyBucket(26)).toBe(1);
    expect(latencyBucket(1_000)).toBe(5);
    expect(latencyBucket(1_001)).toBe(6);
    expect(latencyBucket(30_000)).toBe(9);
    expect(latencyBucket(30_001)).toBe(10);
    expect(latencyBucket(3_600_000)).toBe(10);
  });

  it("estimates a percentile as its bucket's bound, capped by the slowest attempt", () => {
    // 94 fast attempts and 6 in (250, 500]: the 95th of 100 is in the (250, 500] bucket.
    expect(latencyPercentile(histogram([0, 94], [4, 6]), 480, 0.95)).toBe(480);
    expect(latencyPercentile(histogram([0, 94], [4, 6]), 900, 0.95)).toBe(500);
    // 95 fast ones: the 95th is still fast.
    expect(latencyPercentile(histogram([0, 95], [4, 5]), 480, 0.95)).toBe(25);
    // A single attempt is its own p95, known to the millisecond through the maximum.
    expect(latencyPercentile(histogram([0, 1]), 3, 0.95)).toBe(3);
  });

  it("reports the slowest attempt for the overflow bucket, and null for an empty histogram", () => {
    expect(latencyPercentile(histogram([10, 20]), 45_000, 0.95)).toBe(45_000);
    expect(latencyPercentile(histogram(), 0, 0.95)).toBeNull();
  });
});

describe("summaries", () => {
  const counts = (overrides: Partial<DeliveryCounts>): DeliveryCounts => ({ ...emptyCounts(), ...overrides });

  it("derives the success rate, the mean and p95", () => {
    const summary = summarise(
      counts({
        successes: 3,
        failures: 1,
        latencySumMs: 130,
        latencyMaxMs: 70,
        latencyHistogram: histogram([0, 2], [2, 2]),
      }),
    );
    expect(summary).toEqual({
      successes: 3,
      failures: 1,
      successRate: 0.75,
      avgDurationMs: 33,
      p95DurationMs: 70,
    });
  });

  it("answers null rates without attempts", () => {
    expect(summarise(emptyCounts())).toEqual({
      successes: 0,
      failures: 0,
      successRate: null,
      avgDurationMs: null,
      p95DurationMs: null,
    });
  });

  it("adds counters, keeping the larger maximum", () => {
    const total = addCounts(
      counts({ successes: 1, latencySumMs: 10, latencyMaxMs: 10, latencyHistogram: histogram([0, 1]) }),
      counts({ failures: 2, latencySumMs: 900, latencyMaxMs: 600, latencyHistogram: histogram([5, 2]) }),
    );
    expect(total).toEqual({
      successes: 1,
      failures: 2,
      latencySumMs: 910,
      latencyMaxMs: 600,
      latencyHistogram: histogram([0, 1], [5, 2]),
    });
  });
});

describe("series buckets", () => {
  it("picks a round width giving at most about 48 buckets", () => {
    expect(defaultBucketMs(0)).toBe(MINUTE);
    expect(defaultBucketMs(HOUR)).toBe(2 * MINUTE);
    expect(defaultBucketMs(DAY)).toBe(30 * MINUTE);
    expect(defaultBucketMs(DAY + 1)).toBe(60 * MINUTE);
    expect(defaultBucketMs(7 * DAY)).toBe(4 * HOUR);
    expect(defaultBucketMs(28 * DAY)).toBe(DAY);
    expect(defaultBucketMs(100 * DAY)).toBe(3 * DAY);
  });

  it("aligns buckets to multiples of their width and covers the window's both ends", () => {
    const since = Date.UTC(2025, 0, 1, 10, 7, 30);
    const until = Date.UTC(2025, 0, 1, 11, 2, 0);
    const starts = seriesBucketStarts(since, until, 15 * MINUTE);
    expect(starts.map((ms) => new Date(ms).toISOString().slice(11, 16))).toEqual([
      "10:00",
      "10:15",
      "10:30",
      "10:45",
      "11:00",
    ]);
    expect(seriesBucketCount(since, until, 15 * MINUTE)).toBe(starts.length);
    expect(seriesBucketOf(until, 15 * MINUTE)).toBe(starts[starts.length - 1]);
    expect(seriesBucketStarts(since, since, MINUTE)).toEqual([minuteOf(since)]);
  });

  it("rounds a time down to its minute", () => {
    expect(minuteOf(Date.UTC(2025, 0, 1, 10, 7, 59, 999))).toBe(Date.UTC(2025, 0, 1, 10, 7));
  });
});
