import type { MouseEvent } from "react";
import type { MessageAttemptOut } from "../../api/types";
import { seg } from "../../api/client";
import { Badge } from "../../components/ui";
import { attemptOutcome, formatDateTime, formatDuration } from "../../lib/format";
import { Link, setQuery } from "../../lib/router";
import { useAppScope } from "../../scope";
import { labelOf, type AppEndpoints } from "./app-endpoints";
import { attemptLabel, outcomeTone, responsePreview, retryText } from "./attempt-text";
import { attemptRefValue, hrefWithAttempt, type AttemptRef } from "./log-query";

/** Opens the detail view in place (a plain click), or lets the browser open the link elsewhere (modifier keys). */
export function openAttempt(event: MouseEvent<HTMLAnchorElement>, ref: AttemptRef): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  // A query replace, not a navigation: the list keeps its scroll position under the dialog.
  setQuery({ attempt: attemptRefValue(ref) });
}

export function AttemptTable({
  rows,
  endpoints,
  selected,
}: {
  rows: MessageAttemptOut[];
  endpoints: AppEndpoints | undefined;
  selected: string | null;
}) {
  const { appPath } = useAppScope();
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table className="log-table">
        <caption className="visually-hidden">Delivery attempts, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Event type</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col">Response</th>
            <th scope="col">Retries</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((attempt) => {
            const ref = { msgId: attempt.msgId, attemptId: attempt.id };
            const isSelected = selected === attemptRefValue(ref);
            return (
              <tr
                key={attempt.id}
                className={isSelected ? "log-row selected" : "log-row"}
                data-attempt-id={attempt.id}
              >
                <td data-label="Time" className="log-time">
                  <a
                    href={hrefWithAttempt(ref)}
                    onClick={(event) => openAttempt(event, ref)}
                    title={`View details (${attempt.timestamp})`}
                    aria-current={isSelected ? "true" : undefined}
                  >
                    {formatDateTime(attempt.timestamp)}
                  </a>
                </td>
                <td data-label="Endpoint" className="log-endpoint">
                  {endpoints?.byId.has(attempt.endpointId) ? (
                    <Link href={appPath(`endpoints/${seg(attempt.endpointId)}`)}>
                      {labelOf(endpoints, attempt.endpointId)}
                    </Link>
                  ) : (
                    <span className="mono">{attempt.endpointId}</span>
                  )}
                </td>
                <td data-label="Event type" className="log-event">
                  <span className="mono">{attempt.eventType}</span>
                </td>
                <td data-label="Status" className="log-status">
                  <Badge tone={outcomeTone(attempt)}>{attemptOutcome(attempt)}</Badge>
                </td>
                <td data-label="Duration" className="log-number log-duration">
                  {formatDuration(attempt.responseDurationMs)}
                </td>
                <td data-label="Response" className="log-response-cell">
                  <span className="log-response mono" title={attempt.response.slice(0, 500)}>
                    {responsePreview(attempt.response)}
                  </span>
                </td>
                <td data-label="Retries" className="log-retry">
                  <div>
                    <span>{attemptLabel(attempt)}</span>
                    <span className={`log-retry-state log-retry-${outcomeTone(attempt)}`}>
                      {retryText(attempt, now)}
                    </span>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
