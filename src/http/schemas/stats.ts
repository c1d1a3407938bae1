import { Type, type Static } from "@sinclair/typebox";
import { DateTimeString } from "./common.js";
import type { StatusText } from "./attempts.js";

/**
 * `GET /api/v1/app/{app_id}/stats` (Herald's addition): delivery health of one application over a window,
 * from the per-minute `endpoint_stats` buckets the outcome writer keeps (no scan of the attempt log), plus the
 * event-type mix of the window's messages.
 *
 * The attempt counters have one-minute resolution: the window's start is rounded down to its minute and the
 * minute holding `until` counts whole. Errors: 400 `invalid_range` when `until` is in the future, `since` is
 * after `until` or more than 28 days before it; 422 for a malformed parameter, or a `bucket_seconds` that would
 * cut the window into more than 1,440 buckets; 404 for an unknown `endpoint_id`.
 */
export const AppStatsQuery = Type.Object({
  /** Default: 24 hours before `until`. At most 28 days before `until`. */
  since: Type.Optional(DateTimeString),
  /** Default: now. */
  until: Type.Optional(DateTimeString),
  /**
   * Width of each series bucket in seconds, a multiple of 60. Default: the smallest of 1, 2, 5, 10, 15, 30 min,
   * 1, 2, 3, 4, 6, 12 h, then whole days, that cuts the window into at most ~48 buckets (24 h → 30 min).
   */
  bucket_seconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 24 * 3600, multipleOf: 60 })),
  /** Restricts `totals` and `series` to one endpoint (id or uid); `endpoints` always lists every endpoint. */
  endpoint_id: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
});
export type AppStatsQuery = Static<typeof AppStatsQuery>;

/** Counts and response times of the attempts in a window (scheduled and manual attempts alike). */
export interface DeliveryStatsOut {
  successes: number;
  failures: number;
  /** successes / (successes + failures); null without attempts. */
  successRate: number | null;
  /** Whole milliseconds; null without attempts. */
  avgDurationMs: number | null;
  /**
   * From a fixed latency histogram (bounds 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10, 30 s), so approximate: the
   * upper bound of the bucket holding the 95th percentile, or the slowest attempt when that is lower. Null
   * without attempts (also for minutes recorded before Herald kept the histogram).
   */
  p95DurationMs: number | null;
}

export interface StatsBucketOut extends DeliveryStatsOut {
  /**
   * Start of the bucket (RFC 3339). Buckets are aligned to multiples of `bucketSeconds` since the Unix epoch
   * (round UTC times), so the first may start before `since` and the last end after `until`; only the window's
   * part of them is counted.
   */
  start: string;
}

export interface LastAttemptOut {
  /** The attempt's id; with `msgId`, the detail route is `GET /api/v1/app/{app_id}/msg/{msgId}/attempt/{id}`. */
  id: string;
  msgId: string;
  timestamp: string;
  status: number;
  statusText: StatusText;
  /** 0 when no HTTP response was received. */
  responseStatusCode: number;
}

export interface EndpointStatsSummaryOut extends DeliveryStatsOut {
  endpointId: string;
  /** The endpoint's most recent attempt (at any time, not only in the window); null if it never had one. */
  lastAttempt: LastAttemptOut | null;
}

export interface AppStatsOut {
  /** The window as resolved (defaults applied). */
  since: string;
  until: string;
  bucketSeconds: number;
  /** Every attempt of the application in the window (or of `endpoint_id`), endpoints deleted since included. */
  totals: DeliveryStatsOut;
  /** Oldest first, one entry per bucket including empty ones. */
  series: StatsBucketOut[];
  /** Every live endpoint of the application, in creation order. */
  endpoints: EndpointStatsSummaryOut[];
  /** Messages created in the window by event type, most frequent first. */
  eventTypes: { eventType: string; count: number }[];
}
