/**
 * The endpoint test: pick an event type, see and edit its example payload, send it now and see what the receiver
 * answered — the way a person checks that a URL answers 200 before relying on it. The API sends the test even to
 * a disabled endpoint (checking it before re-enabling is the point), so the panel allows that too.
 */
import { useEffect, useMemo, useState } from "react";
import { seg } from "../../api/client";
import type {
  EndpointOut,
  EndpointTestIn,
  EndpointTestOut,
  EventTypeExampleOut,
  MessageAttemptOut,
} from "../../api/types";
import { Alert, Badge, Button, CodeBlock, Field, Modal, errorMessage } from "../../components/ui";
import { attemptOutcome, formatDuration, prettyJson } from "../../lib/format";
import { Link } from "../../lib/router";
import { useAppScope } from "../../scope";
import { endpointApiPath, endpointLogPath, endpointName, useEventCatalog } from "./shared";

const PING = "svix.ping";

type Example =
  | { state: "loading" }
  | { state: "ready"; source: EventTypeExampleOut["source"] }
  | { state: "failed"; error: unknown };

/** The payload text as a JSON object, or why it is not one. */
function parsePayload(text: string): { payload: Record<string, unknown> } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { problem: "The payload must be a JSON object: { … }." };
  return { payload: value as Record<string, unknown> };
}

const EXAMPLE_SOURCE_TEXT: Record<EventTypeExampleOut["source"], string> = {
  catalog: "The example from the event catalog.",
  generated: "Generated from the event type's JSON schema: edit it to match a real event.",
  placeholder: "This event type has no example or schema, so the payload starts empty.",
};

export function TestEndpointDialog({ endpoint, onClose }: { endpoint: EndpointOut; onClose: () => void }) {
  const scope = useAppScope();
  const catalog = useEventCatalog();
  const names = useMemo(() => (catalog.data ?? []).map((eventType) => eventType.name), [catalog.data]);
  // The first type the endpoint subscribes to, else the first of the catalog, else the ping every receiver takes.
  const preferred =
    endpoint.eventTypes?.find((name) => names.includes(name)) ??
    (endpoint.eventTypes === null ? names[0] : undefined) ??
    PING;
  const [chosen, setChosen] = useState<string | null>(null);
  const eventType = chosen ?? (catalog.loading ? null : preferred);

  const [payloadText, setPayloadText] = useState("");
  const [example, setExample] = useState<Example>({ state: "loading" });
  const [exampleGeneration, setExampleGeneration] = useState(0);
  const [result, setResult] = useState<EndpointTestOut | null>(null);
  const [sendError, setSendError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);

  useEffect(() => {
    if (eventType === null) return;
    const controller = new AbortController();
    setExample({ state: "loading" });
    scope.api
      .get<EventTypeExampleOut>(`/event-type/${seg(eventType)}/example`, undefined, controller.signal)
      .then(
        (out) => {
          setPayloadText(JSON.stringify(out.payload, null, 2));
          setExample({ state: "ready", source: out.source });
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setPayloadText("{}");
          setExample({ state: "failed", error });
        },
      );
    return () => controller.abort();
  }, [eventType, exampleGeneration, scope.api]);

  const parsed = parsePayload(payloadText);
  const payloadProblem = example.state === "loading" ? null : "problem" in parsed ? parsed.problem : null;

  const send = async () => {
    if (eventType === null || !("payload" in parsed)) return;
    setSending(true);
    setSendError(null);
    setResult(null);
    try {
      const body: EndpointTestIn = { eventType, payload: parsed.payload };
      setResult(await scope.api.post<EndpointTestOut>(endpointApiPath(scope, endpoint.id, "test"), body));
    } catch (error) {
      setSendError(error);
    } finally {
      setSending(false);
    }
  };

  const subscribed = (name: string) => endpoint.eventTypes === null || endpoint.eventTypes.includes(name);

  return (
    <Modal
      title={`Test ${endpointName(endpoint)}`}
      onClose={onClose}
      wide
      footer={
        <>
          <Button onClick={onClose}>Close</Button>
          <Button
            variant="primary"
            busy={sending}
            disabled={eventType === null || example.state === "loading" || payloadProblem !== null}
            onClick={() => void send()}
          >
            Send test event
          </Button>
        </>
      }
    >
      <p className="muted ep-dialog-text">
        Sends one signed event to <span className="mono ep-break">{endpoint.url}</span> now and shows the
        answer. It is recorded in the delivery log as a manual attempt and is not retried.
      </p>
      {endpoint.disabled ? (
        <Alert tone="info">
          This endpoint is disabled. The test is sent anyway; scheduled deliveries are not, until it is
          enabled.
        </Alert>
      ) : null}
      {catalog.error ? (
        <Alert tone="warning">
          The event catalog could not be loaded ({errorMessage(catalog.error)}); only the ping event is
          offered.
        </Alert>
      ) : null}
      <Field
        label="Event type"
        hint={
          eventType !== null && eventType !== PING && !subscribed(eventType)
            ? "This endpoint does not subscribe to this event type; the test is sent all the same."
            : undefined
        }
      >
        <select
          value={eventType ?? ""}
          disabled={eventType === null}
          onChange={(event) => {
            setChosen(event.target.value);
            setResult(null);
            setSendError(null);
          }}
        >
          {eventType === null ? <option value="">Loading event types…</option> : null}
          <option value={PING}>{PING} (connectivity check)</option>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </Field>
      <Field
        label="Payload"
        hint={
          example.state === "ready" ? (
            <span className="ep-hint-row">
              <span>{EXAMPLE_SOURCE_TEXT[example.source]}</span>
              <button
                type="button"
                className="ep-link-button"
                onClick={() => setExampleGeneration((value) => value + 1)}
              >
                Reset to the example
              </button>
            </span>
          ) : example.state === "loading" ? (
            "Loading the example…"
          ) : (
            `The example could not be loaded (${errorMessage(example.error)}); write the payload yourself.`
          )
        }
        error={payloadProblem}
      >
        <textarea
          className="ep-payload"
          value={payloadText}
          spellCheck={false}
          disabled={example.state === "loading"}
          onChange={(event) => setPayloadText(event.target.value)}
        />
      </Field>
      {sendError ? <Alert>{errorMessage(sendError)}</Alert> : null}
      {result ? (
        <TestResult
          result={result}
          logHref={endpointLogPath(scope, endpoint.id, { msgId: result.msgId, attemptId: result.attemptId })}
        />
      ) : null}
    </Modal>
  );
}

function TestResult({ result, logHref }: { result: EndpointTestOut; logHref: string }) {
  const ok = result.statusCode >= 200 && result.statusCode < 300;
  const outcome = attemptOutcome({
    responseStatusCode: result.statusCode,
    errorKind: result.errorKind as MessageAttemptOut["errorKind"],
  });
  return (
    <section className="ep-test-result" aria-label="Test result" aria-live="polite">
      <div className="ep-test-summary">
        <span>
          <span className="muted">Status </span>
          <Badge tone={ok ? "success" : "danger"}>{outcome}</Badge>
        </span>
        <span>
          <span className="muted">Duration </span>
          <strong>{formatDuration(result.durationMs)}</strong>
        </span>
        <Link href={logHref}>View in the delivery log</Link>
      </div>
      {result.statusCode === 0 ? (
        <Alert>
          No HTTP response: {outcome.toLowerCase()}. {result.responseBody}
        </Alert>
      ) : (
        <CodeBlock
          label="Response body"
          text={result.responseBody === "" ? "(empty body)" : prettyJson(result.responseBody)}
        />
      )}
    </section>
  );
}
