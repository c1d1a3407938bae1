/**
 * "Recover failed messages": re-sends every message whose deliveries to one endpoint failed since a time
 * (`POST …/endpoint/{id}/recover`, asynchronous). Herald accepts at most 14 days, as Svix does.
 */
import { useId, useState, type FormEvent } from "react";
import { ApiError, seg } from "../../api/client";
import type { RecoverIn, RecoverOut } from "../../api/types";
import { Alert, Button, Field, Modal, errorMessage, useToast } from "../../components/ui";
import { formatDateTime } from "../../lib/format";
import { useAppScope } from "../../scope";
import { endpointLabel, type AppEndpoints } from "./app-endpoints";
import { localInputToIso, toLocalInput } from "./log-query";

const HOUR_MS = 3600_000;
const MAX_RECOVER_MS = 14 * 24 * HOUR_MS;

const SINCE_PRESETS = [
  { value: "1h", label: "The last hour", ms: HOUR_MS },
  { value: "6h", label: "The last 6 hours", ms: 6 * HOUR_MS },
  { value: "24h", label: "The last 24 hours", ms: 24 * HOUR_MS },
  { value: "7d", label: "The last 7 days", ms: 7 * 24 * HOUR_MS },
  { value: "14d", label: "The last 14 days", ms: MAX_RECOVER_MS },
  { value: "custom", label: "Since a date and time…", ms: 0 },
] as const;

type Preset = (typeof SINCE_PRESETS)[number]["value"];

interface FieldErrors {
  endpoint?: string;
  since?: string;
}

export function RecoverDialog({
  endpoints,
  initialEndpointId,
  onClose,
}: {
  endpoints: AppEndpoints;
  initialEndpointId: string;
  onClose: () => void;
}) {
  const { api, app } = useAppScope();
  const toast = useToast();
  const [endpointId, setEndpointId] = useState(
    endpoints.byId.has(initialEndpointId) ? initialEndpointId : "",
  );
  const [preset, setPreset] = useState<Preset>("24h");
  const [custom, setCustom] = useState(() => toLocalInput(new Date(Date.now() - 24 * HOUR_MS)));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formId = useId();

  const sinceIso = (): string | null => {
    const choice = SINCE_PRESETS.find((item) => item.value === preset);
    if (!choice || choice.value === "custom") return localInputToIso(custom);
    return new Date(Date.now() - choice.ms).toISOString();
  };

  const validate = (since: string | null): FieldErrors => {
    const found: FieldErrors = {};
    if (endpointId === "") found.endpoint = "Choose the endpoint whose failed messages to re-send.";
    if (since === null) found.since = "Enter a date and time.";
    else {
      const at = new Date(since).getTime();
      if (at > Date.now()) found.since = "This time is in the future.";
      // A minute of slack: the request reaches Herald a moment after the check.
      else if (Date.now() - at > MAX_RECOVER_MS - 60_000) found.since = "Herald recovers at most 14 days.";
    }
    return found;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const since = sinceIso();
    const found = validate(since);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0 || since === null) return;
    setBusy(true);
    try {
      const body: RecoverIn = { since };
      await api.post<RecoverOut>(`/app/${seg(app.id)}/endpoint/${seg(endpointId)}/recover`, body);
      const endpoint = endpoints.byId.get(endpointId);
      toast(
        `Recovery started: failed messages to ${endpoint ? endpointLabel(endpoint) : endpointId} since ` +
          `${formatDateTime(since)} are being re-sent.`,
      );
      onClose();
    } catch (caught) {
      if (caught instanceof ApiError && caught.fieldErrors.since) {
        setErrors({ since: caught.fieldErrors.since });
      } else {
        setFormError(errorMessage(caught));
      }
      setBusy(false);
    }
  };

  return (
    <Modal
      title="Recover failed messages"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" busy={busy}>
            Recover
          </Button>
        </>
      }
    >
      <form id={formId} className="form" onSubmit={(event) => void submit(event)} noValidate>
        <p className="muted">
          Every message whose delivery to the endpoint failed in this period, and has not succeeded since, is
          sent again once. Use it after fixing a receiver that was down.
        </p>
        <Field label="Endpoint" error={errors.endpoint}>
          <select value={endpointId} onChange={(event) => setEndpointId(event.target.value)}>
            <option value="">Choose an endpoint…</option>
            {endpoints.list.map((endpoint) => (
              <option key={endpoint.id} value={endpoint.id}>
                {endpointLabel(endpoint)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Failed during" error={preset === "custom" ? undefined : errors.since}>
          <select value={preset} onChange={(event) => setPreset(event.target.value as Preset)}>
            {SINCE_PRESETS.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </Field>
        {preset === "custom" ? (
          <Field label="Since" hint="Your local time; at most 14 days ago." error={errors.since}>
            <input type="datetime-local" value={custom} onChange={(event) => setCustom(event.target.value)} />
          </Field>
        ) : null}
        {formError ? <Alert>{formError}</Alert> : null}
      </form>
    </Modal>
  );
}
