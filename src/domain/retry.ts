import type { Application, Endpoint, EpochMs, NetworkErrorKind, RetrySchedule } from "./types.js";

/**
 * When a failed delivery is tried again (DESIGN §4, svix-api.md §9.4–9.5). Pure: the caller passes the clock
 * and the random source, so tests pin both.
 *
 * Success is a 2xx. Everything else — another status, a timeout, DNS, a refused or reset connection, TLS, a
 * blocked address — is retried on the schedule, except 410 Gone, which disables the endpoint instead. The
 * first attempt is always immediate; `schedule[n - 1]` is the delay in seconds after the n-th failed attempt,
 * so a schedule of k delays allows k + 1 attempts, `[]` exactly one (a manual resend uses `[]`).
 *
 * The delay after the n-th failure is worked out in this order:
 * 1. `schedule[n - 1]` seconds times a jitter factor between 0.8 and 1.2, which spreads retries of a burst of
 *    failures;
 * 2. at least 60 s after a timeout or a 429 (an overloaded receiver gets breathing room; svix-api.md §9.5);
 * 3. with a `Retry-After` on a 429 or 503 (delta-seconds or HTTP-date),
 *    `clamp(retryAfter, delay, 2 × delay)`: the receiver can push a retry back, but by no more than twice the
 *    planned delay, and never bring it forward (a hostile or buggy header can neither hammer the receiver nor
 *    park a delivery for days).
 */

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = [5, 300, 1800, 7200, 18000, 36000, 36000];

const JITTER = 0.2;
const MIN_DELAY_AFTER_OVERLOAD_MS = 60_000;
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** What one attempt gave; the sender's `SendResult` fits as it is. */
export interface AttemptOutcome {
  /** Absent, null or 0 when no HTTP response was received. */
  statusCode?: number | null | undefined;
  errorKind?: NetworkErrorKind | null | undefined;
  /** The response's raw `Retry-After` header, if any. */
  retryAfter?: string | null | undefined;
}

export type RetryDecision =
  { retry: true; delayMs: number } | { retry: false; reason: "succeeded" | "gone" | "exhausted" };

export interface RetryInput {
  schedule: RetrySchedule;
  /** Attempts made so far, including the one whose outcome this is (1 after the first attempt). */
  attemptNumber: number;
  outcome: AttemptOutcome;
  /** Uniform in [0, 1), like `Math.random`. */
  random: () => number;
  nowMs: EpochMs;
}

export function isSuccess(statusCode: number | null | undefined): boolean {
  return statusCode !== null && statusCode !== undefined && statusCode >= 200 && statusCode <= 299;
}

/** 410 Gone: the receiver says the endpoint no longer exists, so Herald stops sending to it. */
export function shouldDisableEndpoint(statusCode: number | null | undefined): boolean {
  return statusCode === 410;
}

/** The most specific schedule wins: the endpoint's, then the application's, then the server's. */
export function resolveSchedule(
  endpoint: Pick<Endpoint, "retrySchedule">,
  application: Pick<Application, "retrySchedule"> | null,
  serverDefault: RetrySchedule,
): RetrySchedule {
  return endpoint.retrySchedule ?? application?.retrySchedule ?? serverDefault;
}

export function maxAttempts(schedule: RetrySchedule): number {
  return schedule.length + 1;
}

export function nextRetryDelayMs(input: RetryInput): RetryDecision {
  const { schedule, attemptNumber, outcome } = input;
  if (!Number.isSafeInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attemptNumber counts attempts made so far and starts at 1, got ${attemptNumber}`);
  }
  if (isSuccess(outcome.statusCode)) return { retry: false, reason: "succeeded" };
  if (shouldDisableEndpoint(outcome.statusCode)) return { retry: false, reason: "gone" };
  const scheduledSeconds = schedule[attemptNumber - 1];
  if (scheduledSeconds === undefined) return { retry: false, reason: "exhausted" };

  const jitter = 1 - JITTER + 2 * JITTER * input.random();
  let delayMs = Math.round(scheduledSeconds * 1000 * jitter);
  if (outcome.errorKind === "timeout" || outcome.statusCode === 429) {
    delayMs = Math.max(delayMs, MIN_DELAY_AFTER_OVERLOAD_MS);
  }
  if (outcome.retryAfter && RETRY_AFTER_STATUSES.has(outcome.statusCode ?? 0)) {
    const retryAfterMs = parseRetryAfterMs(outcome.retryAfter, input.nowMs);
    if (retryAfterMs !== null) delayMs = Math.min(Math.max(retryAfterMs, delayMs), 2 * delayMs);
  }
  return { retry: true, delayMs };
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds from `nowMs`: delta-seconds, or an HTTP-date in any of its
 * three forms (a date in the past gives 0). Null when the value is neither, so a malformed header is ignored.
 */
export function parseRetryAfterMs(value: string, nowMs: EpochMs): number | null {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = parseHttpDate(text, nowMs);
  return dateMs === null ? null : Math.max(0, dateMs - nowMs);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = MONTHS.join("|");
const DAY = "Mon|Tue|Wed|Thu|Fri|Sat|Sun";
const LONG_DAY = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday";
const TIME = String.raw`(\d{2}):(\d{2}):(\d{2})`;
// The three forms RFC 9110 §5.6.7 requires recipients to accept.
const IMF_FIXDATE = new RegExp(String.raw`^(?:${DAY}), (\d{2}) (${MONTH}) (\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(String.raw`^(?:${LONG_DAY}), (\d{2})-(${MONTH})-(\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(String.raw`^(?:${DAY}) (${MONTH}) ([ \d]\d) ${TIME} (\d{4})$`);

/**
 * Epoch milliseconds of an HTTP-date, or null. Hand-parsed because `Date.parse` accepts far more than
 * HTTP-dates. `nowMs` places the two-digit years of the obsolete RFC 850 form.
 */
export function parseHttpDate(text: string, nowMs: EpochMs): EpochMs | null {
  let fields: [day: string, month: string, year: number, hour: string, minute: string, second: string];
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    fields = [match[1]!, match[2]!, Number(match[3]), match[4]!, match[5]!, match[6]!];
  } else if ((match = RFC850_DATE.exec(text))) {
    fields = [match[1]!, match[2]!, twoDigitYear(Number(match[3]), nowMs), match[4]!, match[5]!, match[6]!];
  } else if ((match = ASCTIME_DATE.exec(text))) {
    fields = [match[2]!.trim(), match[1]!, Number(match[6]), match[3]!, match[4]!, match[5]!];
  } else {
    return null;
  }
  const [day, month, year, hour, minute, second] = [
    Number(fields[0]),
    MONTHS.indexOf(fields[1]),
    fields[2],
    Number(fields[3]),
    Number(fields[4]),
    Number(fields[5]),
  ];
  if (hour > 23 || minute > 59 || second > 60) return null;
  // A leap second (60) counts as the last second of its minute.
  const ms = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  // Reject impossible days (31 Feb) instead of letting Date.UTC roll them into the next month.
  return new Date(ms).getUTCDate() === day ? ms : null;
}

// RFC 9110 §5.6.7: a two-digit year that would lie more than 50 years ahead means the previous century.
function twoDigitYear(twoDigits: number, nowMs: EpochMs): number {
  const currentYear = new Date(nowMs).getUTCFullYear();
  const year = Math.floor(currentYear / 100) * 100 + twoDigits;
  return year > currentYear + 50 ? year - 100 : year;
}
