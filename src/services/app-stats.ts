/**
 * Delivery health of one application over a window (Herald's addition, for the dashboard and portal): totals
 * and a time series from the per-minute `endpoint_stats` counters the outcome batches keep, each live
 * endpoint's totals and most recent attempt, and the event-type mix of the window's messages. The arithmetic
 * (histogram percentiles, bucketing) is domain/delivery-stats.ts; this validates the window and joins the parts.
 *
 * The counters have one-minute resolution, so the window's start is rounded down to its minute and the minute
 * holding `until` is counted whole; the message counts by event type are exact to the millisecond.
 */
import {
  addCounts,
  defaultBucketMs,
  emptyCounts,
  MAX_SERIES_BUCKETS,
  minuteOf,
  seriesBucketCount,
  seriesBucketStarts,
  summarise,
  type DeliverySummary,
} from "../domain/delivery-stats.js";
import { HeraldError, ValidationError } from "../domain/errors.js";
import type { Application, Endpoint, EpochMs } from "../domain/types.js";
import type { EventTypeCount, LatestAttempt } from "../store/store.js";
import type { ServiceContext } from "./context.js";
import type { EndpointService } from "./endpoints.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const DEFAULT_STATS_WINDOW_MS = DAY_MS;
/** 28 days, with the endpoint stats route's slack for a client that computed `since` a moment before the request. */
const MAX_STATS_SPAN_MS = 28 * DAY_MS + 5 * 60_000;
/** Endpoints listed per store page while collecting every live endpoint. */
const ENDPOINT_PAGE = 250;

export interface AppStatsRequest {
  /** null: `DEFAULT_STATS_WINDOW_MS` before `until`. */
  since: EpochMs | null;
  /** null: now. */
  until: EpochMs | null;
  /** A multiple of 60; null: about 48 buckets of a round width (domain/delivery-stats.ts `defaultBucketMs`). */
  bucketSeconds: number | null;
  /** Narrows `totals` and `series` to one endpoint (id or uid). */
  endpointIdOrUid: string | null;
}

export interface EndpointHealth {
  endpoint: Endpoint;
  summary: DeliverySummary;
  lastAttempt: LatestAttempt | null;
}

export interface AppStats {
  since: EpochMs;
  until: EpochMs;
  bucketMs: number;
  totals: DeliverySummary;
  /** One per bucket, oldest first, empty buckets included. */
  series: { start: EpochMs; summary: DeliverySummary }[];
  /** Every live endpoint, in creation order. */
  endpoints: EndpointHealth[];
  eventTypes: EventTypeCount[];
}

export interface AppStatsService {
  /** 400 `invalid_range` for a window that ends in the future, starts after it ends or spans over 28 days. */
  get(application: Application, request: AppStatsRequest): Promise<AppStats>;
}

export function createAppStatsService(
  ctx: ServiceContext,
  deps: { endpoints: EndpointService },
): AppStatsService {
  const { store } = ctx;

  function window(request: AppStatsRequest): { since: EpochMs; until: EpochMs; bucketMs: number } {
    const now = ctx.now();
    const until = request.until ?? now;
    if (until > now) throw new HeraldError("invalid_range", "'until' cannot be in the future");
    const since = request.since ?? until - DEFAULT_STATS_WINDOW_MS;
    if (since > until) throw new HeraldError("invalid_range", "'since' must not be after 'until'");
    if (until - since > MAX_STATS_SPAN_MS) {
      throw new HeraldError("invalid_range", "'since' cannot be more than 28 days prior to 'until'");
    }
    const bucketMs =
      request.bucketSeconds === null ? defaultBucketMs(until - since) : request.bucketSeconds * 1000;
    const buckets = seriesBucketCount(since, until, bucketMs);
    if (buckets > MAX_SERIES_BUCKETS) {
      throw ValidationError.field(
        ["query", "bucket_seconds"],
        `The window would have ${buckets} buckets of ${bucketMs / 1000} s; at most ${MAX_SERIES_BUCKETS} are allowed`,
      );
    }
    return { since, until, bucketMs };
  }

  /** Every live endpoint of the application, oldest first: a bounded walk over its pages. */
  async function liveEndpoints(application: Application): Promise<Endpoint[]> {
    const all: Endpoint[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await deps.endpoints.list(application, {
        limit: ENDPOINT_PAGE,
        order: "asc",
        cursor,
        backward: false,
      });
      all.push(...page.items);
      const last = page.items[page.items.length - 1];
      if (page.done || last === undefined) return all;
      cursor = last.id;
    }
  }

  return {
    async get(application, request) {
      const { since, until, bucketMs } = window(request);
      const filtered =
        request.endpointIdOrUid === null
          ? null
          : await deps.endpoints.get(application, request.endpointIdOrUid);
      const minutes = { since: minuteOf(since), until };
      const [buckets, perEndpoint, latest, eventTypes, endpoints] = await Promise.all([
        store.sumStatsByBucket(application.id, filtered?.id ?? null, minutes, bucketMs),
        store.sumStatsByEndpoint(application.id, minutes),
        store.latestAttemptPerEndpoint(application.id),
        store.countMessagesByEventType(application.id, since, until),
        liveEndpoints(application),
      ]);

      const countsByStart = new Map(buckets.map((bucket) => [bucket.bucketStart, bucket.counts]));
      const totals = emptyCounts();
      const series = seriesBucketStarts(since, until, bucketMs).map((start) => {
        const counts = countsByStart.get(start) ?? emptyCounts();
        addCounts(totals, counts);
        return { start, summary: summarise(counts) };
      });

      const countsByEndpoint = new Map(perEndpoint.map((row) => [row.endpointId, row.counts]));
      const latestByEndpoint = new Map(latest.map((attempt) => [attempt.endpointId, attempt]));
      return {
        since,
        until,
        bucketMs,
        totals: summarise(totals),
        series,
        endpoints: endpoints.map((endpoint) => ({
          endpoint,
          summary: summarise(countsByEndpoint.get(endpoint.id) ?? emptyCounts()),
          lastAttempt: latestByEndpoint.get(endpoint.id) ?? null,
        })),
        eventTypes,
      };
    },
  };
}
