/** The application's endpoints: where its events go, whether they arrive, and the everyday actions on each. */
import { useMemo, useState } from "react";
import type { EndpointOut, EndpointStatsSummaryOut } from "../../api/types";
import { Button, EmptyState, ErrorState, Loading, PageHeader } from "../../components/ui";
import { formatDuration, formatPercent } from "../../lib/format";
import { Link, useTitle } from "../../lib/router";
import { useResource } from "../../lib/use-resource";
import { useAppScope } from "../../scope";
import {
  DeleteEndpointDialog,
  EventTypeBadges,
  LastDelivery,
  StatusBadge,
  endpointApiPath,
  endpointName,
  endpointPagePath,
  useAppStats,
  useToggleEndpoint,
} from "./shared";
import { TestEndpointDialog } from "./test-panel";
import "./endpoints.css";

type Dialog = { kind: "test" | "delete"; endpoint: EndpointOut } | null;

export function EndpointsView() {
  const scope = useAppScope();
  useTitle(`Endpoints · ${scope.app.name}`);
  const endpoints = useResource(`endpoints:${scope.app.id}`, () =>
    scope.api.listAll<EndpointOut>(endpointApiPath(scope)),
  );
  const stats = useAppStats();
  const statsById = useMemo(
    () => new Map((stats.data?.endpoints ?? []).map((summary) => [summary.endpointId, summary])),
    [stats.data],
  );
  const [dialog, setDialog] = useState<Dialog>(null);
  const { toggle, busyId } = useToggleEndpoint(() => endpoints.reload());
  const canWrite = !scope.readOnly;
  const addButton = canWrite ? (
    <Link href={scope.appPath("endpoints/new")} className="btn btn-primary">
      Add endpoint
    </Link>
  ) : null;

  let body;
  if (endpoints.loading) body = <Loading label="Loading endpoints…" />;
  else if (endpoints.error || !endpoints.data)
    body = <ErrorState error={endpoints.error} onRetry={endpoints.reload} />;
  else if (endpoints.data.length === 0)
    body = (
      <EmptyState title="No endpoints yet" action={addButton}>
        An endpoint is a URL on your server that receives webhooks. Herald sends each event you subscribe it
        to as a signed HTTP POST and retries when your server does not answer with a 2xx.
      </EmptyState>
    );
  else
    body = (
      <div className="table-wrap">
        <table className="ep-table">
          <caption className="visually-hidden">Endpoints of {scope.app.name}</caption>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Event types</th>
              <th scope="col">Status</th>
              <th scope="col" title="Successful attempts over the last 24 hours">
                Success (24 h)
              </th>
              <th scope="col" title="Average response time over the last 24 hours">
                Avg. response
              </th>
              <th scope="col">Last delivery</th>
              {canWrite ? (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((endpoint) => (
              <EndpointRow
                key={endpoint.id}
                endpoint={endpoint}
                summary={stats.data ? (statsById.get(endpoint.id) ?? null) : undefined}
                canWrite={canWrite}
                toggling={busyId === endpoint.id}
                onToggle={() => void toggle(endpoint)}
                onTest={() => setDialog({ kind: "test", endpoint })}
                onDelete={() => setDialog({ kind: "delete", endpoint })}
              />
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <div className="ep-view">
      <PageHeader
        title="Endpoints"
        subtitle="The URLs this application's events are delivered to."
        actions={endpoints.data && endpoints.data.length > 0 ? addButton : null}
      />
      <section className="card">{body}</section>
      {dialog?.kind === "test" ? (
        <TestEndpointDialog endpoint={dialog.endpoint} onClose={() => setDialog(null)} />
      ) : null}
      {dialog?.kind === "delete" ? (
        <DeleteEndpointDialog
          endpoint={dialog.endpoint}
          onClose={() => setDialog(null)}
          onDeleted={endpoints.reload}
        />
      ) : null}
    </div>
  );
}

function EndpointRow({
  endpoint,
  summary,
  canWrite,
  toggling,
  onToggle,
  onTest,
  onDelete,
}: {
  endpoint: EndpointOut;
  /** undefined: statistics unavailable; null: none for this endpoint. */
  summary: EndpointStatsSummaryOut | null | undefined;
  canWrite: boolean;
  toggling: boolean;
  onToggle: () => void;
  onTest: () => void;
  onDelete: () => void;
}) {
  const scope = useAppScope();
  const name = endpointName(endpoint);
  return (
    <tr>
      <td className="ep-cell-endpoint">
        <Link href={endpointPagePath(scope, endpoint.id)} className="ep-name">
          {name}
        </Link>
        <div className="mono muted ep-url truncate" title={endpoint.url}>
          {endpoint.url}
        </div>
      </td>
      <td data-label="Event types">
        <EventTypeBadges eventTypes={endpoint.eventTypes} />
      </td>
      <td data-label="Status">
        <StatusBadge disabled={endpoint.disabled} />
      </td>
      <td data-label="Success (24 h)">{formatPercent(summary?.successRate)}</td>
      <td data-label="Avg. response">{formatDuration(summary?.avgDurationMs)}</td>
      <td data-label="Last delivery">
        <LastDelivery attempt={summary === undefined ? undefined : (summary?.lastAttempt ?? null)} />
      </td>
      {canWrite ? (
        <td className="ep-cell-actions">
          <div className="ep-actions">
            <Button className="btn-small" onClick={onTest} aria-label={`Test ${name}`}>
              Test
            </Button>
            <Link
              href={endpointPagePath(scope, endpoint.id, "edit")}
              className="btn btn-small"
              aria-label={`Edit ${name}`}
            >
              Edit
            </Link>
            <Button
              className="btn-small"
              busy={toggling}
              onClick={onToggle}
              aria-label={`${endpoint.disabled ? "Enable" : "Disable"} ${name}`}
            >
              {endpoint.disabled ? "Enable" : "Disable"}
            </Button>
            <Button variant="danger" className="btn-small" onClick={onDelete} aria-label={`Delete ${name}`}>
              Delete
            </Button>
          </div>
        </td>
      ) : null}
    </tr>
  );
}
