/**
 * Produces real attempts without the delivery engine: claims due deliveries from the store and completes them
 * with outcomes the test chooses, exactly as the engine's outcome writer would (one attempt row per claimed
 * delivery; a failure either reschedules the delivery or fails it). Use it on a Herald whose role serves no
 * delivery (`role: "api"`), so nothing else claims the queue.
 */
import { newId } from "../../src/domain/ids.js";
import { MessageStatus, type Attempt, type EpochMs, type NetworkErrorKind } from "../../src/domain/types.js";
import type { ClaimedDelivery, DeliveryOutcome, Store } from "../../src/store/store.js";

export interface SimulatedExchange {
  /** 0 for "no HTTP response" (then give `errorKind`). */
  statusCode: number;
  response?: string;
  durationMs?: number;
  errorKind?: NetworkErrorKind;
  /** For a failure: retry after this many ms; absent or null = no retry (the delivery fails). */
  retryInMs?: number | null;
}

/** Claims every delivery due at `now` and completes each with `outcomeOf(claimed)`; returns the attempts written. */
export async function deliverDue(
  store: Store,
  outcomeOf: (claimed: ClaimedDelivery) => SimulatedExchange,
  now: EpochMs = Date.now(),
): Promise<Attempt[]> {
  const claimed = await store.claimDueDeliveries(1000, now, now + 30_000);
  const outcomes: DeliveryOutcome[] = claimed.map((item) => {
    const exchange = outcomeOf(item);
    const succeeded = exchange.statusCode >= 200 && exchange.statusCode < 300;
    const retryIn = exchange.retryInMs ?? null;
    const retryAt = !succeeded && retryIn !== null ? now + retryIn : null;
    const attempt: Attempt = {
      id: newId("attempt", now),
      appId: item.delivery.appId,
      messageId: item.delivery.messageId,
      endpointId: item.delivery.endpointId,
      deliveryId: item.delivery.id,
      eventType: item.message.eventType,
      url: item.endpoint.url,
      status: succeeded ? MessageStatus.Success : MessageStatus.Fail,
      responseStatusCode: exchange.statusCode,
      response: exchange.response ?? "",
      responseDurationMs: exchange.durationMs ?? 12,
      trigger: item.delivery.trigger,
      attemptNumber: item.delivery.attemptCount + 1,
      errorKind: exchange.errorKind ?? null,
      nextAttemptAt: retryAt,
      createdAt: now,
    };
    return {
      deliveryId: item.delivery.id,
      attempt,
      nextStatus: succeeded
        ? MessageStatus.Success
        : retryAt !== null
          ? MessageStatus.Pending
          : MessageStatus.Fail,
      nextAttemptAt: retryAt,
      disableEndpoint: false,
    };
  });
  await store.completeDeliveries(outcomes, now);
  return outcomes.map((outcome) => outcome.attempt);
}
