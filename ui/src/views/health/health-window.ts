/** The health view's time windows: how far back each looks and how wide its chart buckets are. */

const HOUR_MS = 3_600_000;
/**
 * Bucket widths are named rather than left to the server's default: the window ends at the server's "now", a
 * moment after the browser computed its start, and a window a hair longer than 24 h would get 1-hour buckets.
 */
export const WINDOWS = [
  { value: "1h", label: "Last hour", ms: HOUR_MS, bucketSeconds: 120, phrase: "the last hour" },
  {
    value: "24h",
    label: "Last 24 hours",
    ms: 24 * HOUR_MS,
    bucketSeconds: 1800,
    phrase: "the last 24 hours",
  },
  {
    value: "7d",
    label: "Last 7 days",
    ms: 7 * 24 * HOUR_MS,
    bucketSeconds: 4 * 3600,
    phrase: "the last 7 days",
  },
] as const;
export type HealthWindow = (typeof WINDOWS)[number];
export const DEFAULT_WINDOW: HealthWindow = WINDOWS[1];
