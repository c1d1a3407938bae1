/**
 * One endpoint: its configuration, signing secret and custom headers, how its deliveries went over the last
 * 24 hours, and its most recent attempts, with the everyday actions (test, edit, enable/disable, delete).
 */
import { useState, type ReactNode } from "react";
import { ApiError, seg } from "../../api/client";
import type { EndpointHeadersOut, EndpointOut, ListResponse, MessageAttemptOut } from "../../api/types";
import {
  Badge,
  Button,
  Card,
  CopyButton,
  EmptyState,
  ErrorState,
  Loading,
  PageHeader,
} from "../../components/ui";
import {
  attemptOutcome,
  formatDateTime,
  formatDuration,
  formatPercent,
  formatRelative,
} from "../../lib/format";
import { Link, navigate, useTitle } from "../../lib/router";
import { useResource } from "../../lib/use-resource";
import { useAppScope } from "../../scope";
import {
  DeleteEndpointDialog,
  EventTypeBadges,
  OutcomeBadge,
  StatusBadge,
  endpointApiPath,
  endpointHealthPath,
  endpointLogPath,
  endpointName,
  endpointPagePath,
  useAppStats,
  useToggleEndpoint,
} from "./shared";
import { SigningSecretCard } from "./signing-secret";
import { TestEndpointDialog } from "./test-panel";
import "./endpoints.css";

const RECENT_ATTEMPTS = 10;

export function EndpointDetailView({ endpointId }: { endpointId: string }) {
  const scope = useAppScope();
  const resource = useResource(`endpoint:${scope.app.id}:${endpointId}`, (signal) =>
    scope.api.get<EndpointOut>(endpointApiPath(scope, endpointId), undefined, signal),
  );
  useTitle(resource.data ? endpointName(resource.data) : "Endpoint");
  if (resource.loading) return <Loading label="Loading endpoint…" />;
  if (resource.error || !resource.data) {
    const gone = resource.error instanceof ApiError && resource.error.status === 404;
    return gone ? (
      <EmptyState
        title="Endpoint not found"
        action={
          <Link href={scope.appPath("endpoints")} className="btn">
            Back to endpoints
          </Link>
        }
      >
        It may have been deleted.
      </EmptyState>
    ) : (
      <ErrorState error={resource.error} onRetry={resource.reload} />
    );
  }
  return <EndpointDetail endpoint={resource.data} reload={resource.reload} />;
}

function EndpointDetail({ endpoint, reload }: { endpoint: EndpointOut; reload: () => void }) {
  const scope = useAppScope();
  const [dialog, setDialog] = useState<"test" | "delete" | null>(null);
  const { toggle, busyId } = useToggleEndpoint(reload);
  const name = endpointName(endpoint);
  return (
    <div className="ep-view">
      <nav className="breadcrumbs" aria-label="Endpoint">
        <Link href={scope.appPath("endpoints")}>Endpoints</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{name}</span>
      </nav>
      <PageHeader
        title={
          <span className="ep-title">
            {name} <StatusBadge disabled={endpoint.disabled} />
          </span>
        }
        subtitle={<span className="mono ep-break">{endpoint.url}</span>}
        actions={
          scope.readOnly ? null : (
            <>
              <Button variant="primary" onClick={() => setDialog("test")}>
                Send test event
              </Button>
              <Link href={endpointPagePath(scope, endpoint.id, "edit")} className="btn">
                Edit
              </Link>
              <Button busy={busyId === endpoint.id} onClick={() => void toggle(endpoint)}>
                {endpoint.disabled ? "Enable" : "Disable"}
              </Button>
              <Button variant="danger" onClick={() => setDialog("delete")}>
                Delete
              </Button>
            </>
          )
        }
      />
      <div className="grid-2">
        <ConfigurationCard endpoint={endpoint} />
        <div className="ep-stack">
          <SigningSecretCard endpoint={endpoint} />
          <HeadersCard endpoint={endpoint} />
        </div>
      </div>
      <DeliveriesCard endpoint={endpoint} />
      {dialog === "test" ? <TestEndpointDialog endpoint={endpoint} onClose={() => setDialog(null)} /> : null}
      {dialog === "delete" ? (
        <DeleteEndpointDialog
          endpoint={endpoint}
          onClose={() => setDialog(null)}
          onDeleted={() => navigate(scope.appPath("endpoints"))}
        />
      ) : null}
    </div>
  );
}

/** 300 → "5 min": retry delays read better in the largest whole unit. */
function formatSeconds(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "d"],
    [3600, "h"],
    [60, "min"],
  ];
  for (const [size, unit] of units)
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}`;
  return `${seconds} s`;
}

function signatureText(signature: EndpointOut["signature"]): string {
  if (signature.scheme === "standard") return "Standard Webhooks";
  if (signature.scheme === "none") return "None (deliveries are not signed)";
  const parts = [
    `HMAC-${(signature.algorithm ?? "sha256").toUpperCase()}`,
    signature.encoding ?? "hex",
    `in ${signature.header ?? "X-Signature"}`,
  ];
  if (signature.prefix) parts.push(`prefix ${signature.prefix}`);
  parts.push(signature.signedContent === "timestamp.body" ? "over timestamp.body" : "over the body");
  return parts.join(", ");
}

function Detail({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="ep-detail">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function ConfigurationCard({ endpoint }: { endpoint: EndpointOut }) {
  const scope = useAppScope();
  const inherited = scope.app.retrySchedule;
  return (
    <Card title="Configuration">
      <dl className="ep-details">
        {endpoint.description ? <Detail term="Description">{endpoint.description}</Detail> : null}
        <Detail term="Events">
          <EventTypeBadges eventTypes={endpoint.eventTypes} max={12} />
        </Detail>
        <Detail term="Payload format">
          {endpoint.payloadFormat === "form" ? "Form-urlencoded" : "JSON"}
        </Detail>
        <Detail term="Signature">{signatureText(endpoint.signature)}</Detail>
        <Detail term="Retry schedule">
          {endpoint.retrySchedule
            ? endpoint.retrySchedule.length === 0
              ? "No retries"
              : endpoint.retrySchedule.map(formatSeconds).join(", ")
            : inherited
              ? `Application default (${inherited.length === 0 ? "no retries" : inherited.map(formatSeconds).join(", ")})`
              : "Default"}
        </Detail>
        <Detail term="Timeout">{formatSeconds(endpoint.timeoutSeconds)}</Detail>
        <Detail term="Rate limit">
          {endpoint.throttleRate === null ? "No limit" : `${endpoint.throttleRate} per second`}
        </Detail>
        <Detail term="ID">
          <span className="ep-copyable">
            <code className="ep-break">{endpoint.id}</code>
            <CopyButton text={endpoint.id} label="Copy ID" />
          </span>
        </Detail>
        {endpoint.uid ? (
          <Detail term="UID">
            <code className="ep-break">{endpoint.uid}</code>
          </Detail>
        ) : null}
        <Detail term="Created">{formatDateTime(endpoint.createdAt)}</Detail>
        <Detail term="Updated">{formatDateTime(endpoint.updatedAt)}</Detail>
      </dl>
    </Card>
  );
}

function HeadersCard({ endpoint }: { endpoint: EndpointOut }) {
  const scope = useAppScope();
  const headers = useResource(`endpoint-headers:${endpoint.id}:${endpoint.updatedAt}`, (signal) =>
    scope.api.get<EndpointHeadersOut>(endpointApiPath(scope, endpoint.id, "headers"), undefined, signal),
  );
  let body: ReactNode;
  if (headers.loading) body = <Loading label="Loading headers…" />;
  else if (headers.error || !headers.data)
    body = <ErrorState error={headers.error} onRetry={headers.reload} />;
  else {
    const visible = Object.entries(headers.data.headers);
    const hidden = headers.data.sensitive;
    body =
      visible.length + hidden.length === 0 ? (
        <p className="muted ep-dialog-text">
          No custom headers.{" "}
          {scope.readOnly ? null : <Link href={endpointPagePath(scope, endpoint.id, "edit")}>Add one</Link>}
        </p>
      ) : (
        <dl className="ep-details">
          {visible.map(([name, value]) => (
            <Detail key={name} term={name}>
              <code className="ep-break">{value}</code>
            </Detail>
          ))}
          {hidden.map((name) => (
            <Detail key={name} term={name}>
              <span className="ep-copyable">
                <code aria-label="Hidden value">••••••••</code>
                <Badge title="Credential headers are write-only: their values are never shown.">Hidden</Badge>
              </span>
            </Detail>
          ))}
        </dl>
      );
  }
  return <Card title="Custom headers">{body}</Card>;
}

function DeliveriesCard({ endpoint }: { endpoint: EndpointOut }) {
  const scope = useAppScope();
  const stats = useAppStats(endpoint.id);
  const attempts = useResource(
    `endpoint-attempts:${endpoint.id}`,
    (signal) =>
      scope.api.get<ListResponse<MessageAttemptOut>>(
        `/app/${seg(scope.app.id)}/attempt/endpoint/${seg(endpoint.id)}`,
        { limit: RECENT_ATTEMPTS, with_content: false },
        signal,
      ),
    { pollMs: 10_000 },
  );
  const totals = stats.data?.totals;
  const logHref = endpointLogPath(scope, endpoint.id);
  let list: ReactNode;
  if (attempts.loading) list = <Loading label="Loading recent attempts…" />;
  else if (attempts.error || !attempts.data)
    list = <ErrorState error={attempts.error} onRetry={attempts.reload} />;
  else if (attempts.data.data.length === 0)
    list = (
      <EmptyState title="No deliveries yet">
        Attempts appear here as events are sent to this endpoint. A test event is the quickest way to check
        it.
      </EmptyState>
    );
  else
    list = (
      <div className="table-wrap">
        <table className="ep-table ep-attempts">
          <caption className="visually-hidden">Recent attempts</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event type</th>
              <th scope="col">Result</th>
              <th scope="col">Duration</th>
              <th scope="col">Attempt</th>
            </tr>
          </thead>
          <tbody>
            {attempts.data.data.map((attempt) => (
              <tr key={attempt.id}>
                <td className="ep-cell-endpoint">
                  <Link
                    href={endpointLogPath(scope, endpoint.id, {
                      msgId: attempt.msgId,
                      attemptId: attempt.id,
                    })}
                    title={`${formatDateTime(attempt.timestamp)}: open this attempt in the delivery log`}
                  >
                    <time dateTime={attempt.timestamp}>{formatRelative(attempt.timestamp)}</time>
                  </Link>
                </td>
                <td data-label="Event type">
                  <span className="mono">{attempt.eventType}</span>
                </td>
                <td data-label="Result">
                  <OutcomeBadge
                    statusText={attempt.statusText}
                    responseStatusCode={attempt.responseStatusCode}
                    label={attemptOutcome(attempt)}
                  />
                </td>
                <td data-label="Duration">{formatDuration(attempt.responseDurationMs)}</td>
                <td data-label="Attempt">
                  {attempt.triggerType === 1 ? "Manual" : `#${attempt.attemptNumber}`}
                  {attempt.nextAttempt ? (
                    <span className="muted"> · retry {formatRelative(attempt.nextAttempt)}</span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  return (
    <Card
      title="Deliveries"
      actions={
        <>
          <Link href={logHref} className="btn btn-small">
            Delivery log
          </Link>
          <Link href={endpointHealthPath(scope, endpoint.id)} className="btn btn-small">
            Health
          </Link>
        </>
      }
    >
      <div className="stats ep-stats" aria-label="Last 24 hours">
        <Stat label="Success rate (24 h)" value={formatPercent(totals?.successRate)} />
        <Stat label="Avg. response (24 h)" value={formatDuration(totals?.avgDurationMs)} />
        <Stat label="p95 response (24 h)" value={formatDuration(totals?.p95DurationMs)} />
        <Stat
          label="Attempts (24 h)"
          value={totals ? `${totals.successes} ok · ${totals.failures} failed` : "—"}
        />
      </div>
      <h3 className="ep-subheading">Recent attempts</h3>
      {list}
      {attempts.data && attempts.data.data.length > 0 ? (
        <p className="ep-more">
          <Link href={logHref}>All deliveries to this endpoint in the delivery log →</Link>
        </p>
      ) : null}
    </Card>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
    </div>
  );
}
