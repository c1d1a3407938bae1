/**
 * Delivery health of the application, or of one endpoint: success and failure counts and rate, average and p95
 * response time over a window (last hour, day or week), the mix of event types, and a table of every endpoint.
 * Figures come from `GET /app/{app}/stats` (per-minute counters, so cheap to poll); the window and the endpoint
 * live in the URL query (`window`, `endpoint`) so a view can be shared.
 */
import { useMemo } from "react";
import { ApiError, seg } from "../../api/client";
import type { AppStatsOut, EndpointOut } from "../../api/types";
import { Button, EmptyState, ErrorState, Field, Loading, PageHeader } from "../../components/ui";
import { formatCount, formatDateTime, formatDuration, formatPercent } from "../../lib/format";
import { Link, setQuery, useLocation, useTitle } from "../../lib/router";
import { useResource } from "../../lib/use-resource";
import { useAppScope } from "../../scope";
import { endpointLabel, useAppEndpoints, type AppEndpoints } from "../logs/app-endpoints";
import { bucketWidthLabel } from "./chart-scale";
import { HorizontalBarChart, LineChart, StackedBarChart, type TimeBucket } from "./charts";
import { EndpointHealthTable, rateTone } from "./endpoint-health-table";
import { DEFAULT_WINDOW, WINDOWS, type HealthWindow } from "./health-window";
import "./health.css";

/** Counters are per minute: refreshing more often than this shows nothing new. */
const STATS_POLL_MS = 15_000;

export function HealthView() {
  const { api, app } = useAppScope();
  useTitle(`Health · ${app.name}`);
  const { query } = useLocation();
  const timeWindow = WINDOWS.find((item) => item.value === query.get("window")) ?? DEFAULT_WINDOW;
  // `endpoint` as in the delivery log; `endpoint_id` (the API's name) is read too.
  const endpointId = query.get("endpoint") ?? query.get("endpoint_id") ?? "";
  const endpoints = useAppEndpoints();

  const stats = useResource(
    `stats:${app.id}:${timeWindow.value}:${endpointId}`,
    (signal) =>
      // No `until`: the server's "now" keeps a browser clock that runs ahead from asking about the future.
      api.get<AppStatsOut>(
        `/app/${seg(app.id)}/stats`,
        {
          since: new Date(Date.now() - timeWindow.ms).toISOString(),
          bucket_seconds: timeWindow.bucketSeconds,
          endpoint_id: endpointId || undefined,
        },
        signal,
      ),
    { pollMs: STATS_POLL_MS },
  );
  const endpoint = endpoints.data?.byId.get(endpointId);

  return (
    <div className="health">
      <PageHeader
        title="Health"
        subtitle={
          endpoint
            ? `Deliveries to ${endpointLabel(endpoint)} over ${timeWindow.phrase}.`
            : `Deliveries of ${app.name} to all its endpoints over ${timeWindow.phrase}.`
        }
      />
      <form className="health-controls" aria-label="Health view" onSubmit={(event) => event.preventDefault()}>
        <Field label="Endpoint">
          <select
            value={endpointId}
            onChange={(event) => setQuery({ endpoint: event.target.value, endpoint_id: null })}
          >
            <option value="">All endpoints</option>
            {(endpoints.data?.list ?? []).map((item) => (
              <option key={item.id} value={item.id}>
                {endpointLabel(item)}
              </option>
            ))}
            {endpointId !== "" && !endpoint ? <option value={endpointId}>{endpointId}</option> : null}
          </select>
        </Field>
        <fieldset className="health-window">
          <legend>Time window</legend>
          <div className="health-window-options">
            {WINDOWS.map((item) => (
              <label key={item.value}>
                <input
                  type="radio"
                  name="health-window"
                  value={item.value}
                  checked={item.value === timeWindow.value}
                  onChange={() =>
                    setQuery({ window: item.value === DEFAULT_WINDOW.value ? null : item.value })
                  }
                />
                <span>{item.label}</span>
              </label>
            ))}
          </div>
        </fieldset>
      </form>
      {stats.loading ? (
        <Loading label="Loading health figures…" />
      ) : stats.error && !stats.data ? (
        stats.error instanceof ApiError && stats.error.status === 404 && endpointId !== "" ? (
          <EmptyState
            title="Endpoint not found"
            action={
              <Button onClick={() => setQuery({ endpoint: null, endpoint_id: null })}>
                Show all endpoints
              </Button>
            }
          >
            It may have been deleted.
          </EmptyState>
        ) : (
          <ErrorState error={stats.error} onRetry={stats.reload} title="Could not load health figures" />
        )
      ) : stats.data ? (
        <HealthFigures
          stats={stats.data}
          timeWindow={timeWindow}
          endpoint={endpoint}
          endpoints={endpoints.data}
        />
      ) : null}
    </div>
  );
}

function HealthFigures({
  stats,
  timeWindow,
  endpoint,
  endpoints,
}: {
  stats: AppStatsOut;
  timeWindow: HealthWindow;
  endpoint: EndpointOut | undefined;
  endpoints: AppEndpoints | undefined;
}) {
  const { appPath } = useAppScope();
  const { totals } = stats;
  const attempts = totals.successes + totals.failures;
  const windowMs = new Date(stats.until).getTime() - new Date(stats.since).getTime();
  const every = bucketWidthLabel(stats.bucketSeconds);
  const subject = endpoint ? endpointLabel(endpoint) : "all endpoints";

  const countBuckets = useMemo<TimeBucket[]>(
    () =>
      stats.series.map((bucket) => ({
        start: new Date(bucket.start).getTime(),
        values: [bucket.successes, bucket.failures],
      })),
    [stats.series],
  );
  const timeBuckets = useMemo<TimeBucket[]>(
    () =>
      stats.series.map((bucket) => ({
        start: new Date(bucket.start).getTime(),
        values: [bucket.avgDurationMs, bucket.p95DurationMs],
      })),
    [stats.series],
  );

  const busiest = stats.series.reduce<(typeof stats.series)[number] | null>(
    (best, bucket) =>
      bucket.successes + bucket.failures > (best ? best.successes + best.failures : 0) ? bucket : best,
    null,
  );
  const slowest = stats.series.reduce<(typeof stats.series)[number] | null>(
    (worst, bucket) => ((bucket.p95DurationMs ?? -1) > (worst?.p95DurationMs ?? -1) ? bucket : worst),
    null,
  );
  const eventTypeTotal = stats.eventTypes.reduce((sum, row) => sum + row.count, 0);

  return (
    <>
      {attempts === 0 ? (
        <EmptyState title={`No deliveries in ${timeWindow.phrase}`}>
          {endpoint
            ? `Nothing was sent to ${endpointLabel(endpoint)} in this window.`
            : "Nothing was sent in this window."}{" "}
          Send a message or a <Link href={appPath("endpoints")}>test event</Link>, or choose a longer window.
        </EmptyState>
      ) : (
        <>
          <section className="stats" aria-label="Totals">
            <Tile
              label="Success rate"
              value={formatPercent(totals.successRate)}
              tone={rateTone(totals.successRate)}
            />
            <Tile label="Successful attempts" value={formatCount(totals.successes)} />
            <Tile
              label="Failed attempts"
              value={formatCount(totals.failures)}
              tone={totals.failures > 0 ? "danger" : undefined}
            />
            <Tile label="Average response time" value={formatDuration(totals.avgDurationMs)} />
            <Tile label="p95 response time" value={formatDuration(totals.p95DurationMs)} hint="approximate" />
          </section>
          <div className="grid-2">
            <section className="card">
              <div className="card-body">
                <StackedBarChart
                  title={`Attempts per ${every}`}
                  summary={
                    `Successful and failed attempts to ${subject} per ${every} over ${timeWindow.phrase}: ` +
                    `${totals.successes} succeeded and ${totals.failures} failed` +
                    (busiest
                      ? `; the busiest ${every} began ${formatDateTime(busiest.start)} with ` +
                        `${busiest.successes + busiest.failures} attempts.`
                      : ".")
                  }
                  series={[
                    { label: "Succeeded", tone: "success" },
                    { label: "Failed", tone: "danger" },
                  ]}
                  buckets={countBuckets}
                  bucketSeconds={stats.bucketSeconds}
                  windowMs={windowMs}
                  yLabel="Attempts"
                  formatValue={formatCount}
                  integers
                />
              </div>
            </section>
            <section className="card">
              <div className="card-body">
                <LineChart
                  title={`Response time per ${every}`}
                  summary={
                    `Response time of attempts to ${subject} per ${every} over ${timeWindow.phrase}: ` +
                    `${formatDuration(totals.avgDurationMs)} on average, p95 ${formatDuration(totals.p95DurationMs)}` +
                    (slowest?.p95DurationMs
                      ? `; slowest p95 ${formatDuration(slowest.p95DurationMs)} in the ${every} from ` +
                        `${formatDateTime(slowest.start)}.`
                      : ".")
                  }
                  series={[
                    { label: "Average", tone: "primary" },
                    { label: "p95", tone: "warning" },
                  ]}
                  buckets={timeBuckets}
                  bucketSeconds={stats.bucketSeconds}
                  windowMs={windowMs}
                  yLabel="Response time"
                  formatValue={formatDuration}
                  integers
                />
              </div>
            </section>
          </div>
        </>
      )}
      {stats.eventTypes.length > 0 ? (
        <section className="card">
          <div className="card-body">
            <HorizontalBarChart
              title={endpoint ? "Messages by event type (whole application)" : "Messages by event type"}
              summary={
                `${eventTypeTotal} messages over ${timeWindow.phrase} by event type: ` +
                stats.eventTypes.map((row) => `${row.eventType} ${row.count}`).join(", ") +
                "."
              }
              items={stats.eventTypes.map((row) => ({ label: row.eventType, value: row.count }))}
              valueLabel="Messages"
              formatValue={formatCount}
            />
          </div>
        </section>
      ) : null}
      <EndpointHealthTable
        rows={stats.endpoints}
        endpoints={endpoints}
        timeWindow={timeWindow}
        selected={endpoint?.id ?? null}
      />
    </>
  );
}

function Tile({
  label,
  value,
  tone,
  hint,
}: {
  label: string;
  value: string;
  tone?: "success" | "warning" | "danger";
  hint?: string;
}) {
  return (
    <div className="stat" role="group" aria-label={label}>
      <div className="stat-label">
        {label}
        {hint ? <span className="health-stat-hint"> ({hint})</span> : null}
      </div>
      <div className={`stat-value${tone ? ` health-tone-${tone}` : ""}`}>{value}</div>
    </div>
  );
}
