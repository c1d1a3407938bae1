/**
 * The delivery log's filters as they live in the URL query (so a filtered log can be bookmarked, shared, and
 * survives a reload), and their translation into the attempt list's API query.
 *
 * URL keys: `status` (success | failed), `code` (2xx … 5xx | none), `endpoint` (an endpoint id; the endpoint
 * pages link here with `?endpoint=<id>`), `event_type`, `from` / `to` (datetime-local values, the browser's local
 * time), and `attempt` (`<msgId>:<attemptId>`, the open detail view).
 */
import type { Query } from "../../api/client";
import { MessageStatus } from "../../api/types";

export const STATUS_CHOICES = [
  { value: "success", label: "Succeeded", api: MessageStatus.Success },
  { value: "failed", label: "Failed", api: MessageStatus.Fail },
] as const;

export const CODE_CHOICES = [
  { value: "2xx", label: "2xx", api: 200 },
  { value: "3xx", label: "3xx", api: 300 },
  { value: "4xx", label: "4xx", api: 400 },
  { value: "5xx", label: "5xx", api: 500 },
  { value: "none", label: "No response (network error)", api: 0 },
] as const;

export interface LogFilters {
  status: string;
  code: string;
  endpoint: string;
  eventType: string;
  from: string;
  to: string;
}

export const FILTER_KEYS: Record<keyof LogFilters, string> = {
  status: "status",
  code: "code",
  endpoint: "endpoint",
  eventType: "event_type",
  from: "from",
  to: "to",
};

export function filtersFrom(query: URLSearchParams): LogFilters {
  const read = (key: keyof LogFilters) => query.get(FILTER_KEYS[key]) ?? "";
  return {
    status: read("status"),
    code: read("code"),
    endpoint: read("endpoint"),
    eventType: read("eventType"),
    from: read("from"),
    to: read("to"),
  };
}

export const hasFilters = (filters: LogFilters): boolean =>
  Object.values(filters).some((value) => value !== "");

/** A datetime-local value (local time, no zone) as an ISO instant; null when empty or unreadable. */
export function localInputToIso(value: string): string | null {
  if (value === "") return null;
  // "YYYY-MM-DDTHH:mm" without an offset is local time by the ECMAScript date-time format.
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An instant as a datetime-local value in the browser's time zone, to the minute. */
export function toLocalInput(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** The attempt list's query (`GET /app/{app}/attempt`) for these filters; unknown URL values are ignored. */
export function attemptListQuery(filters: LogFilters): Query {
  return {
    status: STATUS_CHOICES.find((choice) => choice.value === filters.status)?.api,
    status_code_class: CODE_CHOICES.find((choice) => choice.value === filters.code)?.api,
    endpoint_id: filters.endpoint || undefined,
    event_types: filters.eventType || undefined,
    after: localInputToIso(filters.from),
    before: localInputToIso(filters.to),
  };
}

/** The open detail view: `attempt=<msgId>:<attemptId>`. */
export interface AttemptRef {
  msgId: string;
  attemptId: string;
}

export function parseAttemptRef(value: string | null): AttemptRef | null {
  if (!value) return null;
  const [msgId, attemptId, ...rest] = value.split(":");
  if (!msgId || !attemptId || rest.length > 0) return null;
  return { msgId, attemptId };
}

export const attemptRefValue = (ref: AttemptRef): string => `${ref.msgId}:${ref.attemptId}`;

/** The current location with the detail view of `ref` open (for real links that middle-click into a tab). */
export function hrefWithAttempt(ref: AttemptRef): string {
  const url = new URL(window.location.href);
  url.searchParams.set("attempt", attemptRefValue(ref));
  return url.pathname + url.search;
}
