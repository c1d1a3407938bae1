/**
 * The delivery log: every attempt of the application, newest first, filtered through the URL query, updated
 * live, with a detail view per attempt (retry from there) and "Recover failed messages" per endpoint.
 */
import { useMemo, useState, type ReactNode } from "react";
import { ApiError } from "../../api/client";
import type { EventTypeOut } from "../../api/types";
import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  Field,
  Loading,
  PageHeader,
  errorMessage,
} from "../../components/ui";
import { Link, setQuery, useLocation, useTitle } from "../../lib/router";
import { useResource } from "../../lib/use-resource";
import { useAppScope } from "../../scope";
import { endpointLabel, useAppEndpoints } from "./app-endpoints";
import { AttemptDetail } from "./attempt-detail";
import { AttemptTable } from "./attempt-table";
import {
  CODE_CHOICES,
  FILTER_KEYS,
  STATUS_CHOICES,
  attemptListQuery,
  filtersFrom,
  hasFilters,
  parseAttemptRef,
  type LogFilters,
} from "./log-query";
import { RecoverDialog } from "./recover-dialog";
import { useAttemptLog } from "./use-attempt-log";
import "./logs.css";

export function DeliveryLogView() {
  const { api, app, readOnly } = useAppScope();
  useTitle(`Delivery logs · ${app.name}`);
  const { query } = useLocation();
  const search = query.toString();
  // Derived from the query string's text, so a poll's re-render does not produce a new filter object.
  const filters = useMemo(() => filtersFrom(new URLSearchParams(search)), [search]);
  const apiQuery = useMemo(() => attemptListQuery(filters), [filters]);
  const attemptRef = parseAttemptRef(query.get("attempt"));
  const [recovering, setRecovering] = useState(false);

  const endpoints = useAppEndpoints();
  const eventTypes = useResource("event-types:all", () =>
    api.listAll<EventTypeOut>("/event-type", { include_archived: true }),
  );
  const log = useAttemptLog(apiQuery);

  const setFilter = (key: keyof LogFilters, value: string) => setQuery({ [FILTER_KEYS[key]]: value });
  const clearFilters = () =>
    setQuery(Object.fromEntries(Object.values(FILTER_KEYS).map((key) => [key, null])));

  const eventTypeNames = (eventTypes.data ?? []).map((eventType) => eventType.name);
  if (filters.eventType !== "" && !eventTypeNames.includes(filters.eventType)) {
    eventTypeNames.push(filters.eventType);
  }
  const filteredEndpoint = endpoints.data?.byId.get(filters.endpoint);

  return (
    <div className="logs">
      <PageHeader
        title="Delivery logs"
        subtitle={
          filteredEndpoint
            ? `Attempts to ${endpointLabel(filteredEndpoint)}, newest first.`
            : "Every attempt to deliver a message to an endpoint, newest first."
        }
        actions={
          !readOnly && endpoints.data && endpoints.data.list.length > 0 ? (
            <Button onClick={() => setRecovering(true)}>Recover failed messages…</Button>
          ) : undefined
        }
      />

      <form
        className="filters log-filters"
        aria-label="Filter deliveries"
        onSubmit={(event) => event.preventDefault()}
      >
        <Field label="Status">
          <select value={filters.status} onChange={(event) => setFilter("status", event.target.value)}>
            <option value="">All statuses</option>
            {STATUS_CHOICES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="HTTP status">
          <select value={filters.code} onChange={(event) => setFilter("code", event.target.value)}>
            <option value="">Any</option>
            {CODE_CHOICES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Endpoint">
          <select value={filters.endpoint} onChange={(event) => setFilter("endpoint", event.target.value)}>
            <option value="">All endpoints</option>
            {(endpoints.data?.list ?? []).map((endpoint) => (
              <option key={endpoint.id} value={endpoint.id}>
                {endpointLabel(endpoint)}
              </option>
            ))}
            {filters.endpoint !== "" && !filteredEndpoint ? (
              <option value={filters.endpoint}>{filters.endpoint}</option>
            ) : null}
          </select>
        </Field>
        <Field label="Event type">
          <select value={filters.eventType} onChange={(event) => setFilter("eventType", event.target.value)}>
            <option value="">All event types</option>
            {eventTypeNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="From">
          <input
            type="datetime-local"
            value={filters.from}
            max={filters.to || undefined}
            onChange={(event) => setFilter("from", event.target.value)}
          />
        </Field>
        <Field label="To">
          <input
            type="datetime-local"
            value={filters.to}
            min={filters.from || undefined}
            onChange={(event) => setFilter("to", event.target.value)}
          />
        </Field>
        {hasFilters(filters) ? (
          <Button variant="ghost" onClick={clearFilters}>
            Clear filters
          </Button>
        ) : null}
      </form>

      <section className="card" aria-label="Deliveries">
        <div className="log-status-bar">
          {log.live ? (
            <span className="log-live">
              <span className="log-live-dot" aria-hidden="true" />
              Live: new attempts appear automatically
            </span>
          ) : (
            <span className="log-paused">
              Live updates are paused while older deliveries are shown.{" "}
              <Button variant="ghost" className="btn-small" onClick={log.backToLatest}>
                Back to latest
              </Button>
            </span>
          )}
          {log.error && log.rows.length > 0 ? (
            <span className="log-refresh-error" role="status">
              Could not refresh: {errorMessage(log.error)}
            </span>
          ) : null}
        </div>
        <LogBody log={log} filtered={hasFilters(filters)} onClear={clearFilters}>
          <AttemptTable rows={log.rows} endpoints={endpoints.data} selected={query.get("attempt")} />
          {log.hasMore || log.loadMoreError ? (
            <div className="log-more">
              {log.loadMoreError ? <Alert>{errorMessage(log.loadMoreError)}</Alert> : null}
              <Button busy={log.loadingMore} onClick={log.loadMore}>
                Load older deliveries
              </Button>
            </div>
          ) : log.rows.length > 0 && !log.live ? (
            <p className="log-more muted">
              That is every delivery {hasFilters(filters) ? "matching these filters" : "of this application"}.
            </p>
          ) : null}
        </LogBody>
      </section>

      {attemptRef ? (
        <AttemptDetail
          attemptRef={attemptRef}
          endpoints={endpoints.data}
          onClose={() => setQuery({ attempt: null })}
        />
      ) : null}
      {recovering && endpoints.data ? (
        <RecoverDialog
          endpoints={endpoints.data}
          initialEndpointId={filters.endpoint}
          onClose={() => setRecovering(false)}
        />
      ) : null}
    </div>
  );
}

function LogBody({
  log,
  filtered,
  onClear,
  children,
}: {
  log: ReturnType<typeof useAttemptLog>;
  filtered: boolean;
  onClear: () => void;
  children: ReactNode;
}) {
  const { appPath } = useAppScope();
  if (log.loading) return <Loading label="Loading deliveries…" />;
  if (log.error && log.rows.length === 0) {
    // The application exists (its page loaded): a 404 means the endpoint in the filter does not.
    if (log.error instanceof ApiError && log.error.status === 404 && filtered) {
      return (
        <EmptyState title="Endpoint not found" action={<Button onClick={onClear}>Clear filters</Button>}>
          The endpoint in the filter may have been deleted.
        </EmptyState>
      );
    }
    return <ErrorState error={log.error} onRetry={log.reload} />;
  }
  if (log.rows.length === 0) {
    return filtered ? (
      <EmptyState
        title="No deliveries match these filters"
        action={<Button onClick={onClear}>Clear filters</Button>}
      >
        Widen the time range or choose another status, endpoint or event type.
      </EmptyState>
    ) : (
      <EmptyState title="No deliveries yet">
        Send a message, or a <Link href={appPath("endpoints")}>test event</Link> to an endpoint: its attempts
        appear here as they happen.
      </EmptyState>
    );
  }
  return <>{children}</>;
}
