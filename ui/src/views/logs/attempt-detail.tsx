/**
 * One attempt in full: the request Herald sent (URL, headers, body) and what came back, the other attempts of the
 * same delivery (message × endpoint), and a Retry that queues one manual re-send.
 */
import { useId, useState } from "react";
import { ApiError, seg } from "../../api/client";
import type { ListResponse, MessageAttemptOut, MessageOut } from "../../api/types";
import {
  Alert,
  Badge,
  Button,
  CodeBlock,
  ErrorState,
  Loading,
  Modal,
  errorMessage,
  useToast,
} from "../../components/ui";
import { attemptOutcome, formatDateTime, formatDuration, prettyJson } from "../../lib/format";
import { Link } from "../../lib/router";
import { useResource } from "../../lib/use-resource";
import { useAppScope } from "../../scope";
import { endpointLabel, type AppEndpoints } from "./app-endpoints";
import { openAttempt } from "./attempt-table";
import { attemptLabel, outcomeTone, retryText } from "./attempt-text";
import { hrefWithAttempt, type AttemptRef } from "./log-query";
import { LOG_POLL_MS } from "./use-attempt-log";

const ERROR_KIND_DETAIL: Record<string, string> = {
  timeout: "The receiver did not answer within the endpoint's timeout.",
  dns: "The endpoint's host name could not be resolved.",
  refused: "The receiver refused the connection (nothing listening on that port?).",
  reset: "The connection was reset before a response arrived.",
  tls: "The TLS handshake failed (certificate or protocol problem).",
  ssrf_blocked:
    "The URL resolves to a private or otherwise blocked address; Herald did not send the request.",
  other: "The request failed without an HTTP response.",
};

function headerText(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
}

function contentTypeOf(headers: Record<string, string> | null): string | null {
  if (!headers) return null;
  for (const [name, value] of Object.entries(headers))
    if (name.toLowerCase() === "content-type") return value;
  return null;
}

export function AttemptDetail({
  attemptRef,
  endpoints,
  onClose,
}: {
  attemptRef: AttemptRef;
  endpoints: AppEndpoints | undefined;
  onClose: () => void;
}) {
  const { api, app, readOnly } = useAppScope();
  const appPath = `/app/${seg(app.id)}`;
  const attempt = useResource(`attempt:${app.id}:${attemptRef.msgId}:${attemptRef.attemptId}`, (signal) =>
    api.get<MessageAttemptOut>(
      `${appPath}/msg/${seg(attemptRef.msgId)}/attempt/${seg(attemptRef.attemptId)}`,
      undefined,
      signal,
    ),
  );
  const endpoint = attempt.data ? endpoints?.byId.get(attempt.data.endpointId) : undefined;
  return (
    <Modal
      title="Delivery attempt"
      onClose={onClose}
      wide
      footer={
        attempt.data && !readOnly ? (
          <RetryAction attempt={attempt.data} disabled={endpoint?.disabled === true} />
        ) : undefined
      }
    >
      {attempt.loading ? (
        <Loading label="Loading attempt…" />
      ) : attempt.error || !attempt.data ? (
        <ErrorState
          title={
            attempt.error instanceof ApiError && attempt.error.status === 404
              ? "This attempt no longer exists"
              : "Could not load this attempt"
          }
          error={attempt.error}
          onRetry={attempt.reload}
        />
      ) : (
        <AttemptBody attempt={attempt.data} endpoints={endpoints} />
      )}
    </Modal>
  );
}

function AttemptBody({
  attempt,
  endpoints,
}: {
  attempt: MessageAttemptOut;
  endpoints: AppEndpoints | undefined;
}) {
  const { api, app, appPath, readOnly } = useAppScope();
  const base = `/app/${seg(app.id)}`;
  const endpoint = endpoints?.byId.get(attempt.endpointId);
  const message = useResource(`message:${app.id}:${attempt.msgId}`, (signal) =>
    api.get<MessageOut>(`${base}/msg/${seg(attempt.msgId)}`, undefined, signal),
  );
  // Polled, so a retry's new attempt shows up here as it does in the list behind the dialog.
  const siblings = useResource(
    `delivery:${app.id}:${attempt.msgId}:${attempt.endpointId}`,
    (signal) =>
      api.get<ListResponse<MessageAttemptOut>>(
        `${base}/attempt/msg/${seg(attempt.msgId)}`,
        { endpoint_id: attempt.endpointId, with_content: false, limit: 50 },
        signal,
      ),
    { pollMs: LOG_POLL_MS },
  );
  const contentType = contentTypeOf(attempt.requestHeaders);
  const formEncoded =
    contentType !== null
      ? contentType.startsWith("application/x-www-form-urlencoded")
      : endpoint?.payloadFormat === "form";
  const now = Date.now();
  const headingId = useId();

  return (
    <>
      <div className="attempt-summary">
        <Badge tone={outcomeTone(attempt)}>{attemptOutcome(attempt)}</Badge>
        <span className="mono">{attempt.eventType}</span>
        <span>
          to{" "}
          {endpoint ? (
            <Link href={appPath(`endpoints/${seg(endpoint.id)}`)}>{endpointLabel(endpoint)}</Link>
          ) : (
            <span className="mono">{attempt.endpointId}</span>
          )}
        </span>
        <span className="muted">{formatDateTime(attempt.timestamp)}</span>
      </div>
      <dl className="attempt-facts">
        <div>
          <dt>Attempt</dt>
          <dd>{attemptLabel(attempt)}</dd>
        </div>
        <div>
          <dt>Retries</dt>
          <dd>{retryText(attempt, now)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(attempt.responseDurationMs)}</dd>
        </div>
        <div>
          <dt>Message</dt>
          <dd className="mono">{attempt.msgId}</dd>
        </div>
      </dl>

      {endpoint?.disabled && !readOnly ? (
        <Alert tone="warning">This endpoint is disabled: enable it to retry its deliveries.</Alert>
      ) : null}

      <section className="attempt-section" aria-labelledby={`${headingId}-request`}>
        <h3 id={`${headingId}-request`}>Request</h3>
        <p className="attempt-url">
          <span className="badge">POST</span> <span className="mono">{attempt.url}</span>
        </p>
        {attempt.requestHeaders && Object.keys(attempt.requestHeaders).length > 0 ? (
          <CodeBlock label="Request headers" text={headerText(attempt.requestHeaders)} />
        ) : (
          <p className="muted">
            No request headers were recorded for this attempt: either the request could not be built (nothing
            was sent) or the attempt predates header logging.
          </p>
        )}
        {formEncoded ? (
          <Alert tone="info">
            This endpoint receives form-encoded payloads: the JSON below was sent as
            application/x-www-form-urlencoded fields (nested keys as <code>data[field]</code>).
          </Alert>
        ) : null}
        {message.loading ? (
          <Loading label="Loading payload…" />
        ) : message.error || !message.data ? (
          <Alert tone="warning">The payload could not be loaded: {errorMessage(message.error)}</Alert>
        ) : isExpired(message.data.payload) ? (
          <p className="muted">The payload has expired or was expunged; Herald no longer stores it.</p>
        ) : (
          <CodeBlock label="Request body" text={JSON.stringify(message.data.payload, null, 2)} />
        )}
      </section>

      <section className="attempt-section" aria-labelledby={`${headingId}-response`}>
        <h3 id={`${headingId}-response`}>Response</h3>
        {attempt.responseStatusCode > 0 ? (
          <p>
            HTTP status <strong>{attempt.responseStatusCode}</strong> after{" "}
            {formatDuration(attempt.responseDurationMs)}.
          </p>
        ) : (
          <Alert tone="warning">
            {attemptOutcome(attempt)}:{" "}
            {ERROR_KIND_DETAIL[attempt.errorKind ?? "other"] ?? ERROR_KIND_DETAIL.other}
          </Alert>
        )}
        {attempt.response === "EXPUNGED" ? (
          <p className="muted">The response body was expunged.</p>
        ) : attempt.response === "" ? (
          <p className="muted">The response body was empty.</p>
        ) : (
          <CodeBlock
            label={attempt.responseStatusCode > 0 ? "Response body" : "Error"}
            text={prettyJson(attempt.response)}
          />
        )}
      </section>

      <section className="attempt-section" aria-labelledby={`${headingId}-siblings`}>
        <h3 id={`${headingId}-siblings`}>Attempts of this message to this endpoint</h3>
        {siblings.loading ? (
          <Loading label="Loading attempts…" />
        ) : siblings.error && !siblings.data ? (
          <Alert tone="warning">{errorMessage(siblings.error)}</Alert>
        ) : (
          <ol className="attempt-siblings">
            {(siblings.data?.data ?? []).map((sibling) => {
              const ref = { msgId: sibling.msgId, attemptId: sibling.id };
              const current = sibling.id === attempt.id;
              return (
                <li key={sibling.id} className={current ? "current" : undefined}>
                  <Badge tone={outcomeTone(sibling)}>{attemptOutcome(sibling)}</Badge>
                  {current ? (
                    <span aria-current="true">{formatDateTime(sibling.timestamp)} (this attempt)</span>
                  ) : (
                    <a href={hrefWithAttempt(ref)} onClick={(event) => openAttempt(event, ref)}>
                      {formatDateTime(sibling.timestamp)}
                    </a>
                  )}
                  <span>{attemptLabel(sibling)}</span>
                  <span className="muted">{retryText(sibling, now)}</span>
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </>
  );
}

/** Queues one manual re-send of the attempt's message to its endpoint; the log shows the new attempt on its next poll. */
function RetryAction({ attempt, disabled }: { attempt: MessageAttemptOut; disabled: boolean }) {
  const { api, app } = useAppScope();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const retry = async () => {
    setBusy(true);
    try {
      await api.post(
        `/app/${seg(app.id)}/msg/${seg(attempt.msgId)}/endpoint/${seg(attempt.endpointId)}/resend`,
      );
      toast("Retry queued: the new attempt appears in the log in a moment.");
    } catch (caught) {
      toast(`Retry failed: ${errorMessage(caught)}`, "danger");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      variant="primary"
      busy={busy}
      disabled={disabled}
      title={disabled ? "The endpoint is disabled" : "Send this message to the endpoint again, now"}
      onClick={() => void retry()}
    >
      Retry
    </Button>
  );
}

function isExpired(payload: Record<string, unknown>): boolean {
  const keys = Object.keys(payload);
  return keys.length === 1 && keys[0] === "expired" && payload.expired === true;
}
