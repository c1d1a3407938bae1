/**
 * Turns what one attempt gave into what the store writes (DESIGN §4): the attempt row of the delivery log and
 * the delivery's next state. The policy itself — success, retry delay with jitter and Retry-After, 410, the
 * schedule's precedence — is domain/retry.ts; this only applies it to a claimed delivery. No I/O; the clock
 * readings and the random source come in.
 *
 * A delivery's states after an attempt:
 *   2xx                          → succeeded
 *   410 Gone                     → failed, and the endpoint is disabled (scheduled attempts only: as in Svix,
 *                                  a manual resend never disables an endpoint)
 *   other failure, schedule left → pending again, due at `nextAttemptAt`
 *   other failure, exhausted     → failed
 * Manual deliveries (resend, recover) are one attempt: their schedule is `[]`.
 */
import { newId } from "../domain/ids.js";
import { nextRetryDelayMs, resolveSchedule } from "../domain/retry.js";
import { MessageStatus, TriggerType, type EpochMs, type RetrySchedule } from "../domain/types.js";
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  LoggedRequestHeaders,
  LoggedRequestHeadersJson,
  NewAttempt,
} from "../store/store.js";
import type { SendResult } from "./sender.js";

export interface OutcomeInput {
  claimed: ClaimedDelivery;
  result: SendResult;
  /** When the attempt started: the attempt's time, and its id's. */
  startedAt: EpochMs;
  /** When its result arrived: retry delays count from here. */
  finishedAt: EpochMs;
  defaultSchedule: RetrySchedule;
  random: () => number;
  /** What the delivery log records as sent (`loggedRequestHeadersJson`); absent or null when nothing was sent. */
  requestHeaders?: LoggedRequestHeaders | LoggedRequestHeadersJson | null;
}

/** A result for an attempt that never reached the network (the request could not be built). */
export function unsentResult(problem: string): SendResult {
  return { statusCode: 0, responseBody: problem, durationMs: 0, errorKind: "other", retryAfter: null };
}

export function buildOutcome(input: OutcomeInput): DeliveryOutcome {
  const { claimed, result } = input;
  const { delivery, endpoint, message } = claimed;
  const schedule: RetrySchedule =
    delivery.trigger === TriggerType.Manual
      ? []
      : resolveSchedule(endpoint, claimed.application, input.defaultSchedule);
  const attemptNumber = delivery.attemptCount + 1;
  const decision = nextRetryDelayMs({
    schedule,
    attemptNumber,
    outcome: result,
    random: input.random,
    nowMs: input.finishedAt,
  });
  const nextAttemptAt = decision.retry ? input.finishedAt + decision.delayMs : null;
  const succeeded = !decision.retry && decision.reason === "succeeded";

  const attempt: NewAttempt = {
    id: newId("attempt", input.startedAt),
    appId: delivery.appId,
    messageId: delivery.messageId,
    endpointId: delivery.endpointId,
    deliveryId: delivery.id,
    eventType: message.eventType,
    url: endpoint.url,
    status: succeeded ? MessageStatus.Success : MessageStatus.Fail,
    responseStatusCode: result.statusCode,
    response: result.responseBody,
    responseDurationMs: result.durationMs,
    trigger: delivery.trigger,
    attemptNumber,
    errorKind: result.errorKind,
    nextAttemptAt,
    createdAt: input.startedAt,
    requestHeaders: input.requestHeaders ?? null,
  };
  return {
    deliveryId: delivery.id,
    attempt,
    nextStatus: succeeded
      ? MessageStatus.Success
      : decision.retry
        ? MessageStatus.Pending
        : MessageStatus.Fail,
    nextAttemptAt,
    disableEndpoint:
      delivery.trigger === TriggerType.Scheduled && !decision.retry && decision.reason === "gone",
  };
}
