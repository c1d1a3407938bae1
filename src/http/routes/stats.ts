import type { FastifyInstance } from "fastify";
import type { DeliverySummary } from "../../domain/delivery-stats.js";
import { MESSAGE_STATUS_TEXT } from "../../domain/types.js";
import type { AppStats } from "../../services/app-stats.js";
import type { LatestAttempt } from "../../store/store.js";
import { resolveApp } from "../app-scope.js";
import type { HttpDeps } from "../app.js";
import { isoDate, parseOptionalDateTime } from "../dates.js";
import {
  AppStatsQuery,
  type AppStatsOut,
  type DeliveryStatsOut,
  type LastAttemptOut,
} from "../schemas/stats.js";
import { parseQuery } from "../validation.js";

const renderSummary = (summary: DeliverySummary): DeliveryStatsOut => ({
  successes: summary.successes,
  failures: summary.failures,
  successRate: summary.successRate,
  avgDurationMs: summary.avgDurationMs,
  p95DurationMs: summary.p95DurationMs,
});

function renderLastAttempt(attempt: LatestAttempt): LastAttemptOut {
  return {
    id: attempt.id,
    msgId: attempt.messageId,
    timestamp: isoDate(attempt.createdAt),
    status: attempt.status,
    statusText: MESSAGE_STATUS_TEXT[attempt.status],
    responseStatusCode: attempt.responseStatusCode,
  };
}

export function renderAppStats(stats: AppStats): AppStatsOut {
  return {
    since: isoDate(stats.since),
    until: isoDate(stats.until),
    bucketSeconds: stats.bucketMs / 1000,
    totals: renderSummary(stats.totals),
    series: stats.series.map((bucket) => ({
      start: isoDate(bucket.start),
      ...renderSummary(bucket.summary),
    })),
    endpoints: stats.endpoints.map((row) => ({
      endpointId: row.endpoint.id,
      ...renderSummary(row.summary),
      lastAttempt: row.lastAttempt === null ? null : renderLastAttempt(row.lastAttempt),
    })),
    eventTypes: stats.eventTypes.map((row) => ({ eventType: row.eventType, count: row.count })),
  };
}

/** Herald's addition: an application's delivery health for the dashboard and portal (schemas/stats.ts). */
export function statsRoutes(app: FastifyInstance, { services }: HttpDeps): void {
  app.get<{ Params: { app_id: string } }>("/api/v1/app/:app_id/stats", async (request) => {
    const query = parseQuery(AppStatsQuery, request.query);
    const since = parseOptionalDateTime(query.since, ["query", "since"]);
    const until = parseOptionalDateTime(query.until, ["query", "until"]);
    const application = await resolveApp(services, request, request.params.app_id);
    const stats = await services.appStats.get(application, {
      since,
      until,
      bucketSeconds: query.bucket_seconds ?? null,
      endpointIdOrUid: query.endpoint_id ?? null,
    });
    return renderAppStats(stats);
  });
}
