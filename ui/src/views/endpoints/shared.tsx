/** Pieces the endpoint table, form, detail page and test panel share. */
import { useState, type ReactNode } from "react";
import { seg } from "../../api/client";
import type { AppStatsOut, EndpointOut, EventTypeOut, LastAttemptOut } from "../../api/types";
import { Badge, ConfirmDialog, useToast, type BadgeTone } from "../../components/ui";
import { formatRelative } from "../../lib/format";
import { useResource } from "../../lib/use-resource";
import { useAppScope, type AppScope } from "../../scope";

/** The endpoint's name, else its URL's host (what a person recognises). */
export function endpointName(endpoint: Pick<EndpointOut, "name" | "url">): string {
  if (endpoint.name.trim() !== "") return endpoint.name;
  try {
    return new URL(endpoint.url).host;
  } catch {
    return endpoint.url;
  }
}

/** `/app/{app}/endpoint[/{id}[/sub]]` in the API. */
export function endpointApiPath(scope: Pick<AppScope, "app">, endpointId?: string, sub?: string): string {
  const base = `/app/${seg(scope.app.id)}/endpoint`;
  if (endpointId === undefined) return base;
  return `${base}/${seg(endpointId)}${sub ? `/${sub}` : ""}`;
}

/**
 * This endpoint's delivery log, optionally with one attempt's detail open (the logs view reads `endpoint` and
 * `attempt=<msgId>:<attemptId>` from its query string).
 */
export function endpointLogPath(
  scope: Pick<AppScope, "appPath">,
  endpointId: string,
  attempt?: { msgId: string; attemptId: string },
): string {
  const query = `?endpoint=${seg(endpointId)}`;
  const detail = attempt ? `&attempt=${seg(`${attempt.msgId}:${attempt.attemptId}`)}` : "";
  return `${scope.appPath("logs")}${query}${detail}`;
}

/** This endpoint's health charts (the health view reads `endpoint` from its query string). */
export const endpointHealthPath = (scope: Pick<AppScope, "appPath">, endpointId: string): string =>
  `${scope.appPath("health")}?endpoint=${seg(endpointId)}`;

export const endpointPagePath = (
  scope: Pick<AppScope, "appPath">,
  endpointId: string,
  sub?: string,
): string => scope.appPath(`endpoints/${seg(endpointId)}${sub ? `/${sub}` : ""}`);

/** The live (not archived) event catalog, shared by the form and the test panel. */
export function useEventCatalog() {
  const { api } = useAppScope();
  return useResource("event-catalog", () => api.listAll<EventTypeOut>("/event-type"));
}

/**
 * The application's 24-hour delivery statistics. Optional: while the stats route is unavailable (or fails) the
 * views show "—" rather than an error, since endpoints are usable without them.
 */
export function useAppStats(endpointId?: string) {
  const { api, app } = useAppScope();
  return useResource(
    `stats:${app.id}:${endpointId ?? ""}`,
    (signal) =>
      api.get<AppStatsOut>(
        `/app/${seg(app.id)}/stats`,
        endpointId === undefined ? undefined : { endpoint_id: endpointId },
        signal,
      ),
    { pollMs: 30_000 },
  );
}

export function StatusBadge({ disabled }: { disabled: boolean }) {
  return disabled ? <Badge tone="warning">Disabled</Badge> : <Badge tone="success">Active</Badge>;
}

/** The subscribed event types as badges; long lists show the first few and a count. */
export function EventTypeBadges({ eventTypes, max = 3 }: { eventTypes: string[] | null; max?: number }) {
  if (eventTypes === null) return <Badge tone="info">All events</Badge>;
  const shown = eventTypes.slice(0, max);
  const rest = eventTypes.slice(max);
  return (
    <span className="badges">
      {shown.map((name) => (
        <Badge key={name}>{name}</Badge>
      ))}
      {rest.length > 0 ? <Badge title={rest.join(", ")}>{`+${rest.length} more`}</Badge> : null}
    </span>
  );
}

const statusTone = (statusText: string): BadgeTone =>
  statusText === "success"
    ? "success"
    : statusText === "fail"
      ? "danger"
      : statusText === "canceled"
        ? "neutral"
        : "info";

/** An attempt's outcome as a badge: the HTTP code, or what happened without one. */
export function OutcomeBadge({
  statusText,
  responseStatusCode,
  label,
}: {
  statusText: string;
  responseStatusCode: number;
  label?: string;
}) {
  const text =
    label ??
    (responseStatusCode > 0
      ? String(responseStatusCode)
      : statusText === "pending" || statusText === "sending"
        ? "Pending"
        : "No response");
  return <Badge tone={statusTone(statusText)}>{text}</Badge>;
}

export function LastDelivery({ attempt }: { attempt: LastAttemptOut | null | undefined }) {
  if (attempt === undefined) return <span className="muted">—</span>;
  if (attempt === null) return <span className="muted">Never</span>;
  return (
    <span className="ep-last">
      <OutcomeBadge statusText={attempt.statusText} responseStatusCode={attempt.responseStatusCode} />
      <time dateTime={attempt.timestamp} className="muted" title={attempt.timestamp}>
        {formatRelative(attempt.timestamp)}
      </time>
    </span>
  );
}

/** Enables or disables an endpoint and says what that means. */
export function useToggleEndpoint(onChanged: (endpoint: EndpointOut) => void) {
  const scope = useAppScope();
  const toast = useToast();
  const [busyId, setBusyId] = useState<string | null>(null);
  const toggle = async (endpoint: EndpointOut) => {
    setBusyId(endpoint.id);
    try {
      const updated = await scope.api.patch<EndpointOut>(endpointApiPath(scope, endpoint.id), {
        disabled: !endpoint.disabled,
      });
      toast(
        updated.disabled
          ? `${endpointName(updated)} disabled: no events are sent to it until it is enabled again.`
          : `${endpointName(updated)} enabled.`,
      );
      onChanged(updated);
    } catch (error) {
      toast(
        `Could not ${endpoint.disabled ? "enable" : "disable"} ${endpointName(endpoint)}: ${error instanceof Error ? error.message : String(error)}`,
        "danger",
      );
    } finally {
      setBusyId(null);
    }
  };
  return { toggle, busyId };
}

export function DeleteEndpointDialog({
  endpoint,
  onClose,
  onDeleted,
}: {
  endpoint: EndpointOut;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const scope = useAppScope();
  const toast = useToast();
  const name = endpointName(endpoint);
  return (
    <ConfirmDialog
      title="Delete endpoint?"
      confirmLabel="Delete endpoint"
      onClose={onClose}
      onConfirm={async () => {
        await scope.api.delete(endpointApiPath(scope, endpoint.id));
        toast(`${name} deleted.`);
        onDeleted();
      }}
    >
      <p className="ep-dialog-text">
        Delete <strong>{name}</strong> (<span className="mono ep-break">{endpoint.url}</span>)? Herald stops
        sending events to it at once, including retries still waiting. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}

export interface RadioChoice<T extends string> {
  value: T;
  label: string;
  /** Shown muted after the label; part of the radio's accessible name. */
  detail: ReactNode;
}

/** A labelled group of radio buttons, one per choice (payload format, signature scheme). */
export function RadioChoices<T extends string>({
  name,
  legend,
  value,
  choices,
  onChange,
}: {
  name: string;
  legend: string;
  value: T;
  choices: readonly RadioChoice<T>[];
  onChange: (value: T) => void;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="ep-choices">
        {choices.map((choice) => (
          <label key={choice.value} className="checkbox">
            <input
              type="radio"
              name={name}
              checked={value === choice.value}
              onChange={() => onChange(choice.value)}
            />
            <span>
              {choice.label} <span className="muted">{choice.detail}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
