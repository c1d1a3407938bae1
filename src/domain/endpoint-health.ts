import type { EpochMs } from "./types.js";

/**
 * Automatic disabling of an endpoint that has done nothing but fail for a long time (DESIGN §4, svix-api.md
 * §9.5, Svix's 5-day rule). Pure: the engine stores the state and feeds it events with their times.
 *
 * States, per endpoint:
 *
 *   healthy  (firstFailureAt = null)
 *     ── a delivery is exhausted at t ──►  failing since t
 *   failing since t
 *     ── any successful attempt ──►  healthy
 *     ── a delivery is exhausted at u, u − t > disableAfter ──►  healthy, and the endpoint is disabled
 *     ── a delivery is exhausted at u, u − t > 2 × disableAfter ──►  failing since u  (the record was stale)
 *     ── a delivery is exhausted at u, otherwise ──►  unchanged
 *   (re-enabling an endpoint, by hand or through the API) ──►  healthy
 *
 * Only exhaustions count, not single failed attempts: an endpoint is disabled when deliveries that went
 * through their whole retry schedule keep failing across more than `disableAfter`, with no success in
 * between. A record older than twice the period is forgotten, as Svix's cache entry expires: an exhaustion
 * that lonely says little about the endpoint today. Disabling returns the state to healthy, so the endpoint
 * starts afresh when re-enabled.
 *
 * `changed` tells the engine whether the state must be written; a success on a healthy endpoint — the common
 * case — changes nothing and costs no write.
 */

export const DEFAULT_AUTO_DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;

export interface EndpointHealth {
  firstFailureAt: EpochMs | null;
}

export const HEALTHY: EndpointHealth = { firstFailureAt: null };

export type EndpointHealthEvent =
  { kind: "attempt_succeeded" } | { kind: "delivery_exhausted"; at: EpochMs } | { kind: "endpoint_enabled" };

export interface EndpointHealthStep {
  health: EndpointHealth;
  /** True when the state differs from the one passed in. */
  changed: boolean;
  /** True when this event disables the endpoint (send `endpoint.disabled`). */
  disable: boolean;
}

export function nextEndpointHealth(
  health: EndpointHealth,
  event: EndpointHealthEvent,
  disableAfterMs: number = DEFAULT_AUTO_DISABLE_AFTER_MS,
): EndpointHealthStep {
  const since = health.firstFailureAt;
  if (event.kind !== "delivery_exhausted") {
    return { health: HEALTHY, changed: since !== null, disable: false };
  }
  if (since === null || event.at - since > 2 * disableAfterMs) {
    return { health: { firstFailureAt: event.at }, changed: true, disable: false };
  }
  if (event.at - since > disableAfterMs) return { health: HEALTHY, changed: true, disable: true };
  return { health, changed: false, disable: false };
}
