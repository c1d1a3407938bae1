/** Display formatting shared by every view (one place for dates, durations and attempt outcomes). */
import type { MessageAttemptOut } from "../api/types";

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "3 minutes ago", "in 2 hours". */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(seconds, "second");
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86400), "day");
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "—";
  const percent = rate * 100;
  return `${percent >= 99.95 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)}%`;
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat().format(value);
}

const ERROR_KIND_TEXT: Record<string, string> = {
  timeout: "Timed out",
  dns: "DNS lookup failed",
  refused: "Connection refused",
  reset: "Connection reset",
  tls: "TLS error",
  ssrf_blocked: "Blocked address",
  other: "Network error",
};

/** "200", "503" or, with no HTTP response, why not ("Timed out"). */
export function attemptOutcome(attempt: Pick<MessageAttemptOut, "responseStatusCode" | "errorKind">): string {
  if (attempt.responseStatusCode > 0) return String(attempt.responseStatusCode);
  return ERROR_KIND_TEXT[attempt.errorKind ?? "other"] ?? "Network error";
}

/** Pretty-prints JSON text; returns the text unchanged when it is not JSON. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
