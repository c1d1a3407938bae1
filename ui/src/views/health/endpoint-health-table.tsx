/** Every endpoint of the application with its figures over the window and its most recent attempt. */
import { seg } from "../../api/client";
import type { EndpointStatsSummaryOut } from "../../api/types";
import { Badge, EmptyState } from "../../components/ui";
import { formatCount, formatDateTime, formatDuration, formatPercent, formatRelative } from "../../lib/format";
import { Link } from "../../lib/router";
import { useAppScope } from "../../scope";
import { endpointLabel, type AppEndpoints } from "../logs/app-endpoints";
import { DEFAULT_WINDOW, type HealthWindow } from "./health-window";

/** How a success rate reads: green from 99 %, amber from 90 %, red below. */
export function rateTone(rate: number | null): "success" | "warning" | "danger" | undefined {
  if (rate === null) return undefined;
  if (rate >= 0.99) return "success";
  return rate >= 0.9 ? "warning" : "danger";
}

export function EndpointHealthTable({
  rows,
  endpoints,
  timeWindow,
  selected,
}: {
  rows: EndpointStatsSummaryOut[];
  endpoints: AppEndpoints | undefined;
  timeWindow: HealthWindow;
  selected: string | null;
}) {
  const { appPath } = useAppScope();
  const windowQuery = timeWindow.value === DEFAULT_WINDOW.value ? "" : `&window=${timeWindow.value}`;
  return (
    <section className="card">
      <header className="card-header">
        <h2>Endpoints</h2>
        <span className="muted">Figures over {timeWindow.phrase}; the last attempt at any time.</span>
      </header>
      {rows.length === 0 ? (
        <EmptyState
          title="No endpoints yet"
          action={<Link href={appPath("endpoints")}>Go to endpoints</Link>}
        >
          Add an endpoint to start receiving webhooks.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="health-endpoints">
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Success rate</th>
                <th scope="col">Succeeded</th>
                <th scope="col">Failed</th>
                <th scope="col">Average</th>
                <th scope="col">p95</th>
                <th scope="col">Last attempt</th>
                <th scope="col">
                  <span className="visually-hidden">Links</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const endpoint = endpoints?.byId.get(row.endpointId);
                const name = endpoint ? endpointLabel(endpoint) : row.endpointId;
                const last = row.lastAttempt;
                return (
                  <tr key={row.endpointId} className={selected === row.endpointId ? "selected" : undefined}>
                    <th scope="row">
                      <Link href={appPath(`endpoints/${seg(row.endpointId)}`)}>{name}</Link>
                      {endpoint?.disabled ? (
                        <>
                          {" "}
                          <Badge tone="warning">disabled</Badge>
                        </>
                      ) : null}
                    </th>
                    <td
                      className={
                        rateTone(row.successRate) ? `health-tone-${rateTone(row.successRate)}` : undefined
                      }
                    >
                      {formatPercent(row.successRate)}
                    </td>
                    <td>{formatCount(row.successes)}</td>
                    <td>{formatCount(row.failures)}</td>
                    <td>{formatDuration(row.avgDurationMs)}</td>
                    <td>{formatDuration(row.p95DurationMs)}</td>
                    <td>
                      {last ? (
                        <span className="health-last">
                          <Badge tone={last.statusText === "success" ? "success" : "danger"}>
                            {last.responseStatusCode > 0 ? String(last.responseStatusCode) : "No response"}
                          </Badge>{" "}
                          <Link
                            href={appPath(`logs?attempt=${seg(`${last.msgId}:${last.id}`)}`)}
                            title={formatDateTime(last.timestamp)}
                          >
                            {formatRelative(last.timestamp)}
                          </Link>
                        </span>
                      ) : (
                        <span className="muted">Never</span>
                      )}
                    </td>
                    <td>
                      <span className="health-links">
                        <Link href={appPath(`health?endpoint=${seg(row.endpointId)}${windowQuery}`)}>
                          Health<span className="visually-hidden"> of {name}</span>
                        </Link>
                        <Link href={appPath(`logs?endpoint=${seg(row.endpointId)}`)}>
                          Logs<span className="visually-hidden"> of {name}</span>
                        </Link>
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
