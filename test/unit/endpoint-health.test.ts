import { describe, expect, it } from "vitest";
import {
  DEFAULT_AUTO_DISABLE_AFTER_MS,
  HEALTHY,
  nextEndpointHealth,
  type EndpointHealth,
  type EndpointHealthEvent,
} from "../../src/domain/endpoint-health.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 1);

/** Feeds events in order; returns the final state and at which event (index) the endpoint was disabled. */
function run(
  events: EndpointHealthEvent[],
  disableAfterMs?: number,
): { health: EndpointHealth; disabledAt: number[] } {
  let health = HEALTHY;
  const disabledAt: number[] = [];
  events.forEach((event, index) => {
    const step = nextEndpointHealth(health, event, disableAfterMs);
    if (step.disable) disabledAt.push(index);
    health = step.health;
  });
  return { health, disabledAt };
}

const exhausted = (at: number): EndpointHealthEvent => ({ kind: "delivery_exhausted", at });
const succeeded: EndpointHealthEvent = { kind: "attempt_succeeded" };

describe("endpoint auto-disable", () => {
  it("defaults to Svix's 5 days", () => {
    expect(DEFAULT_AUTO_DISABLE_AFTER_MS).toBe(5 * DAY);
  });

  it("records the first exhaustion without disabling", () => {
    const step = nextEndpointHealth(HEALTHY, exhausted(T0));
    expect(step).toEqual({ health: { firstFailureAt: T0 }, changed: true, disable: false });
  });

  it("keeps the first failure time on later exhaustions within the period", () => {
    const failing = { firstFailureAt: T0 };
    for (const at of [T0 + HOUR, T0 + 3 * DAY, T0 + 5 * DAY]) {
      expect(nextEndpointHealth(failing, exhausted(at))).toEqual({
        health: failing,
        changed: false,
        disable: false,
      });
    }
  });

  it("disables on an exhaustion more than 5 days after the first, and starts afresh", () => {
    const step = nextEndpointHealth({ firstFailureAt: T0 }, exhausted(T0 + 5 * DAY + 1));
    expect(step).toEqual({ health: HEALTHY, changed: true, disable: true });
    expect(
      run([exhausted(T0), exhausted(T0 + 2 * DAY), exhausted(T0 + 4 * DAY), exhausted(T0 + 6 * DAY)]),
    ).toEqual({
      health: HEALTHY,
      disabledAt: [3],
    });
  });

  it("never disables when a success comes in between", () => {
    const result = run([
      exhausted(T0),
      exhausted(T0 + 3 * DAY),
      succeeded,
      exhausted(T0 + 6 * DAY),
      exhausted(T0 + 9 * DAY),
    ]);
    expect(result).toEqual({ health: { firstFailureAt: T0 + 6 * DAY }, disabledAt: [] });
  });

  it("clears the record on a success or a re-enable, and reports a change only when there was one", () => {
    for (const kind of ["attempt_succeeded", "endpoint_enabled"] as const) {
      expect(nextEndpointHealth({ firstFailureAt: T0 }, { kind })).toEqual({
        health: HEALTHY,
        changed: true,
        disable: false,
      });
      // The common case, a success on a healthy endpoint, needs no write.
      expect(nextEndpointHealth(HEALTHY, { kind })).toEqual({
        health: HEALTHY,
        changed: false,
        disable: false,
      });
    }
  });

  it("forgets a record older than twice the period instead of disabling on it", () => {
    const step = nextEndpointHealth({ firstFailureAt: T0 }, exhausted(T0 + 10 * DAY + 1));
    expect(step).toEqual({ health: { firstFailureAt: T0 + 10 * DAY + 1 }, changed: true, disable: false });
    // Exactly at twice the period it still counts.
    expect(nextEndpointHealth({ firstFailureAt: T0 }, exhausted(T0 + 10 * DAY)).disable).toBe(true);
  });

  it("uses the configured period", () => {
    expect(run([exhausted(T0), exhausted(T0 + HOUR + 1)], HOUR).disabledAt).toEqual([1]);
    expect(run([exhausted(T0), exhausted(T0 + HOUR)], HOUR).disabledAt).toEqual([]);
    expect(run([exhausted(T0), exhausted(T0 + 2 * DAY)], 7 * DAY).disabledAt).toEqual([]);
  });
});
