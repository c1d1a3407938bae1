/**
 * Create or edit an endpoint. Everything the client can check is checked before sending; what only the server
 * knows (a header name it forbids, an event type archived meanwhile) comes back as a 422 and is shown next to the
 * field its `loc` names. Creating is one POST; editing is a PATCH of the form's fields (so uid, channels and
 * metadata set through the API survive) preceded by a PATCH of the custom headers when they changed (a patch,
 * because the values of sensitive headers are unknown here and must be kept).
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import type { EndpointHeadersOut, EndpointIn, EndpointOut } from "../../api/types";
import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  Field,
  Loading,
  PageHeader,
  errorMessage,
  useToast,
} from "../../components/ui";
import { Link, navigate, useTitle } from "../../lib/router";
import { useResource } from "../../lib/use-resource";
import { useAppScope } from "../../scope";
import { EventTypePicker } from "./event-type-picker";
import {
  checkUrl,
  draftFromEndpoint,
  emptyDraft,
  endpointFields,
  errorFor,
  headerChanges,
  headerErrorKey,
  headerMap,
  validateDraft,
  INSECURE_URL_WARNING,
  type EndpointDraft,
  type FieldErrors,
} from "./form-model";
import { HeaderRows } from "./header-rows";
import { SignatureSection } from "./signature-fields";
import { endpointApiPath, endpointName, endpointPagePath, RadioChoices, type RadioChoice } from "./shared";
import "./endpoints.css";

const PAYLOAD_FORMATS: readonly RadioChoice<EndpointDraft["payloadFormat"]>[] = [
  { value: "json", label: "JSON", detail: "— application/json" },
  {
    value: "form",
    label: "Form-urlencoded",
    detail: "— application/x-www-form-urlencoded, nested keys as a[b]=v",
  },
];

export function EndpointFormView({ endpointId }: { endpointId: string | null }) {
  const scope = useAppScope();
  const existing = useResource(`endpoint-form:${scope.app.id}:${endpointId ?? "new"}`, async (signal) => {
    if (endpointId === null) return null;
    const [endpoint, headers] = await Promise.all([
      scope.api.get<EndpointOut>(endpointApiPath(scope, endpointId), undefined, signal),
      scope.api.get<EndpointHeadersOut>(endpointApiPath(scope, endpointId, "headers"), undefined, signal),
    ]);
    return { endpoint, headers };
  });
  useTitle(endpointId === null ? "New endpoint" : "Edit endpoint");

  if (scope.readOnly) {
    return (
      <EmptyState title="Read-only access">This link lets you view endpoints, not change them.</EmptyState>
    );
  }
  if (existing.loading) return <Loading label="Loading endpoint…" />;
  if (existing.error) {
    const gone = existing.error instanceof ApiError && existing.error.status === 404;
    return gone ? (
      <EmptyState
        title="Endpoint not found"
        action={<Link href={scope.appPath("endpoints")}>Back to endpoints</Link>}
      >
        It may have been deleted.
      </EmptyState>
    ) : (
      <ErrorState error={existing.error} onRetry={existing.reload} />
    );
  }
  const loaded = existing.data ?? null;
  return <EndpointForm key={loaded?.endpoint.id ?? "new"} loaded={loaded} />;
}

/** Which error keys a change to each draft field makes stale. */
const ERROR_KEY: Record<keyof EndpointDraft, string> = {
  name: "name",
  url: "url",
  description: "description",
  allEvents: "eventTypes",
  eventTypes: "eventTypes",
  headers: "headers",
  payloadFormat: "payloadFormat",
  scheme: "signature",
  hmacAlgorithm: "signature",
  hmacEncoding: "signature",
  hmacHeader: "signature",
  hmacPrefix: "signature",
  hmacSignedContent: "signature",
  retrySchedule: "retrySchedule",
  timeoutSeconds: "timeoutSeconds",
  throttleRate: "throttleRate",
  enabled: "disabled",
};

/** Fields shown in the form; a server error under any other key goes to the alert at the top. */
const PLACED_FIELDS = new Set([
  "url",
  "name",
  "description",
  "eventTypes",
  "filterTypes",
  "signature",
  "retrySchedule",
  "timeoutSeconds",
  "throttleRate",
  "rateLimit",
  "payloadFormat",
]);

function EndpointForm({
  loaded,
}: {
  /** The endpoint being edited with its headers; null for a new one. */
  loaded: { endpoint: EndpointOut; headers: EndpointHeadersOut } | null;
}) {
  const scope = useAppScope();
  const toast = useToast();
  const endpoint = loaded?.endpoint ?? null;
  // What the form started from: header changes are computed against it when saving.
  const [initial] = useState(() =>
    loaded ? draftFromEndpoint(loaded.endpoint, loaded.headers) : emptyDraft(),
  );
  const [draft, setDraft] = useState(initial);
  const [submitted, setSubmitted] = useState(false);
  const [urlTouched, setUrlTouched] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);

  const clientErrors = useMemo(() => validateDraft(draft), [draft]);
  const errors: FieldErrors = submitted
    ? { ...serverErrors, ...clientErrors }
    : { ...serverErrors, ...(urlTouched && clientErrors["url"] ? { url: clientErrors["url"] } : {}) };
  const url = checkUrl(draft.url);
  const rowKeys = new Set(draft.headers.map(headerErrorKey));
  const unplaced = Object.entries(serverErrors).filter(
    ([key]) => !(PLACED_FIELDS.has(key.split(".")[0] ?? "") || key === "headers" || rowKeys.has(key)),
  );

  useEffect(() => {
    if (focusRequest === 0) return;
    const form = formRef.current;
    const invalid = form?.querySelector<HTMLElement>(
      "input[aria-invalid='true'], select[aria-invalid='true'], textarea[aria-invalid='true']",
    );
    if (invalid) invalid.focus();
    else form?.querySelector(".field-error, .alert")?.scrollIntoView({ block: "center" });
  }, [focusRequest]);

  const change = (patch: Partial<EndpointDraft>) => {
    setDraft((current) => ({ ...current, ...patch }));
    const stale = new Set(Object.keys(patch).map((field) => ERROR_KEY[field as keyof EndpointDraft]));
    setServerErrors((current) => {
      const kept = Object.entries(current).filter(
        ([key]) => !stale.has(key) && !stale.has(key.split(".")[0] ?? ""),
      );
      return kept.length === Object.keys(current).length ? current : Object.fromEntries(kept);
    });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setFormError(null);
    if (Object.keys(clientErrors).length > 0) {
      setFocusRequest((value) => value + 1);
      return;
    }
    setSaving(true);
    setServerErrors({});
    try {
      let saved: EndpointOut;
      if (endpoint === null) {
        const body: EndpointIn = { ...endpointFields(draft), headers: headerMap(draft.headers) };
        saved = await scope.api.post<EndpointOut>(endpointApiPath(scope), body);
      } else {
        const headers = headerChanges(initial.headers, draft.headers);
        if (headers) await scope.api.patch(endpointApiPath(scope, endpoint.id, "headers"), headers);
        saved = await scope.api.patch<EndpointOut>(
          endpointApiPath(scope, endpoint.id),
          endpointFields(draft),
        );
      }
      toast(endpoint === null ? `${endpointName(saved)} created.` : "Changes saved.");
      navigate(endpointPagePath(scope, saved.id));
    } catch (error) {
      setSaving(false);
      if (error instanceof ApiError && error.status === 422 && Object.keys(error.fieldErrors).length > 0) {
        setServerErrors(error.fieldErrors);
        setFocusRequest((value) => value + 1);
      } else {
        setFormError(error);
      }
    }
  };

  const cancelHref = endpoint ? endpointPagePath(scope, endpoint.id) : scope.appPath("endpoints");
  const schedule = scope.app.retrySchedule;
  const hasErrors =
    Object.keys(serverErrors).length > 0 || (submitted && Object.keys(clientErrors).length > 0);

  return (
    <div className="ep-view">
      <PageHeader
        title={endpoint ? `Edit ${endpointName(endpoint)}` : "Add endpoint"}
        subtitle={
          endpoint ? (
            <span className="mono ep-break">{endpoint.id}</span>
          ) : (
            "Herald will POST this application's events to the URL you give, signed so that your server can verify them."
          )
        }
      />
      <form ref={formRef} className="form ep-form" onSubmit={(event) => void submit(event)} noValidate>
        {formError ? (
          <Alert>
            {endpoint ? "The changes were not saved" : "The endpoint was not created"}:{" "}
            {errorMessage(formError)}
          </Alert>
        ) : hasErrors ? (
          <Alert>
            {endpoint ? "The changes were not saved" : "The endpoint was not created"}: correct the fields
            marked below.
            {unplaced.length > 0 ? (
              <ul className="ep-error-list">
                {unplaced.map(([key, message]) => (
                  <li key={key}>
                    <span className="mono">{key}</span>: {message}
                  </li>
                ))}
              </ul>
            ) : null}
          </Alert>
        ) : null}

        <section className="card ep-form-section" aria-labelledby="ep-section-destination">
          <h2 id="ep-section-destination">Destination</h2>
          <Field
            label="Endpoint URL"
            hint="Where Herald sends each event as an HTTP POST."
            error={errorFor(errors, "url")}
            warning={"url" in url && url.insecure ? INSECURE_URL_WARNING : null}
          >
            <input
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://example.com/webhooks"
              value={draft.url}
              onChange={(event) => change({ url: event.target.value })}
              onBlur={() => setUrlTouched(true)}
            />
          </Field>
          <Field
            label="Name"
            hint="Optional. Shown instead of the URL's host."
            error={errorFor(errors, "name")}
          >
            <input
              type="text"
              value={draft.name}
              maxLength={256}
              onChange={(event) => change({ name: event.target.value })}
            />
          </Field>
          <Field label="Description" hint="Optional." error={errorFor(errors, "description")}>
            <textarea
              className="ep-description"
              value={draft.description}
              onChange={(event) => change({ description: event.target.value })}
            />
          </Field>
        </section>

        <section className="card ep-form-section" aria-label="Events">
          <EventTypePicker
            allEvents={draft.allEvents}
            selected={draft.eventTypes}
            error={errorFor(errors, "eventTypes") ?? errorFor(errors, "filterTypes")}
            onChange={change}
          />
        </section>

        <section className="card ep-form-section" aria-labelledby="ep-section-delivery">
          <h2 id="ep-section-delivery">Delivery</h2>
          <RadioChoices
            name="payloadFormat"
            legend="Payload format"
            value={draft.payloadFormat}
            choices={PAYLOAD_FORMATS}
            onChange={(payloadFormat) => change({ payloadFormat })}
          />
          <HeaderRows rows={draft.headers} errors={errors} onChange={(headers) => change({ headers })} />
        </section>

        <SignatureSection draft={draft} errors={errors} endpoint={endpoint} onChange={change} />

        <section className="card ep-form-section" aria-labelledby="ep-section-retries">
          <h2 id="ep-section-retries">Retries and limits</h2>
          <Field
            label="Retry schedule (seconds)"
            hint={
              <>
                Seconds to wait before each retry after a failed attempt, e.g. <code>5, 300, 1800</code> for
                three retries. Empty:{" "}
                {schedule
                  ? `the application's schedule (${schedule.length === 0 ? "no retries" : schedule.join(", ")}).`
                  : "the application's or Herald's default schedule."}
              </>
            }
            error={errorFor(errors, "retrySchedule")}
          >
            <input
              type="text"
              inputMode="numeric"
              placeholder="Inherit the default"
              value={draft.retrySchedule}
              onChange={(event) => change({ retrySchedule: event.target.value })}
            />
          </Field>
          <div className="ep-inline-fields">
            <Field
              label="Timeout (seconds)"
              hint="How long to wait for an answer, 1–60."
              error={errorFor(errors, "timeoutSeconds")}
            >
              <input
                type="number"
                min={1}
                max={60}
                step={1}
                value={draft.timeoutSeconds}
                onChange={(event) => change({ timeoutSeconds: event.target.value })}
              />
            </Field>
            <Field
              label="Rate limit (per second)"
              hint="Optional. At most this many deliveries per second."
              error={errorFor(errors, "throttleRate") ?? errorFor(errors, "rateLimit")}
            >
              <input
                type="number"
                min={1}
                step={1}
                placeholder="No limit"
                value={draft.throttleRate}
                onChange={(event) => change({ throttleRate: event.target.value })}
              />
            </Field>
          </div>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={draft.enabled}
              onChange={(event) => change({ enabled: event.target.checked })}
            />
            <span>
              Enabled{" "}
              <span className="muted">— while disabled, no events are sent and none are kept for later</span>
            </span>
          </label>
        </section>

        <div className="row">
          <Button type="submit" variant="primary" busy={saving}>
            {endpoint ? "Save changes" : "Create endpoint"}
          </Button>
          <Link href={cancelHref} className="btn btn-ghost">
            Cancel
          </Link>
        </div>
      </form>
    </div>
  );
}
