/** How one attempt reads in the log: its outcome's tone and its retry line ("Next attempt in 5 seconds"). */
import type { BadgeTone } from "../../components/ui";
import { MessageStatus, type MessageAttemptOut } from "../../api/types";
import { formatDateTime, formatRelative } from "../../lib/format";

export function outcomeTone(attempt: Pick<MessageAttemptOut, "status">): BadgeTone {
  if (attempt.status === MessageStatus.Success) return "success";
  if (attempt.status === MessageStatus.Fail) return "danger";
  return "warning";
}

export const isManual = (attempt: Pick<MessageAttemptOut, "triggerType">): boolean =>
  attempt.triggerType === 1;

/** "Attempt 2" or "Manual retry" (a resend or recovery starts a new delivery at attempt 1). */
export function attemptLabel(attempt: Pick<MessageAttemptOut, "attemptNumber" | "triggerType">): string {
  return isManual(attempt) ? `Attempt ${attempt.attemptNumber} · manual` : `Attempt ${attempt.attemptNumber}`;
}

/**
 * What became of the delivery after this attempt. A failed attempt either has a retry scheduled (`nextAttempt`)
 * or was the last one; once the scheduled time has passed, the retry is shown as due rather than "in -5 s".
 */
export function retryText(
  attempt: Pick<MessageAttemptOut, "status" | "nextAttempt">,
  now: number = Date.now(),
): string {
  if (attempt.status === MessageStatus.Success) return "Succeeded";
  if (attempt.nextAttempt) {
    const due = new Date(attempt.nextAttempt).getTime();
    return due > now
      ? `Next attempt ${formatRelative(attempt.nextAttempt, now)}`
      : `Retry due ${formatDateTime(attempt.nextAttempt)}`;
  }
  if (attempt.status === MessageStatus.Fail) return "Failed, no more retries";
  return "Pending";
}

/** The response body as a one-line preview; empty bodies and expunged content say so. */
export function responsePreview(response: string, max = 120): string {
  if (response === "EXPUNGED") return "(content expunged)";
  const line = response.replace(/\s+/g, " ").trim();
  if (line === "") return "(empty)";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
