import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_SCHEDULE,
  isSuccess,
  maxAttempts,
  nextRetryDelayMs,
  parseHttpDate,
  parseRetryAfterMs,
  resolveSchedule,
  shouldDisableEndpoint,
  type AttemptOutcome,
} from "../../src/domain/retry.js";
import type { NetworkErrorKind, RetrySchedule } from "../../src/domain/types.js";

const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);
const NO_JITTER = (): number => 0.5; // factor 0.8 + 0.4 × 0.5 = 1

function decide(schedule: RetrySchedule, attemptNumber: number, outcome: AttemptOutcome, random = NO_JITTER) {
  return nextRetryDelayMs({ schedule, attemptNumber, outcome, random, nowMs: NOW });
}

/** Drives one delivery through failures until the policy stops it; returns the delays used. */
function runToExhaustion(schedule: RetrySchedule, outcome: AttemptOutcome): number[] {
  const delays: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const decision = decide(schedule, attempt, outcome);
    if (!decision.retry) {
      expect(decision.reason).toBe("exhausted");
      return delays;
    }
    delays.push(decision.delayMs);
  }
}

describe("success and disabling", () => {
  it("counts exactly the 2xx codes as success", () => {
    for (const code of [200, 201, 204, 299]) expect(isSuccess(code)).toBe(true);
    for (const code of [0, 100, 199, 300, 301, 304, 400, 404, 429, 500, 503])
      expect(isSuccess(code)).toBe(false);
    expect(isSuccess(undefined)).toBe(false);
    expect(isSuccess(null)).toBe(false);
  });

  it("disables the endpoint on 410 Gone only", () => {
    expect(shouldDisableEndpoint(410)).toBe(true);
    for (const code of [200, 400, 404, 500, undefined, null]) expect(shouldDisableEndpoint(code)).toBe(false);
  });

  it("does not retry a success or a 410", () => {
    expect(decide(DEFAULT_RETRY_SCHEDULE, 1, { statusCode: 204 })).toEqual({
      retry: false,
      reason: "succeeded",
    });
    expect(decide(DEFAULT_RETRY_SCHEDULE, 1, { statusCode: 410 })).toEqual({ retry: false, reason: "gone" });
  });
});

describe("schedule resolution", () => {
  const server: RetrySchedule = [1, 2];

  it("prefers the endpoint's schedule, then the application's, then the server's", () => {
    expect(resolveSchedule({ retrySchedule: [60] }, { retrySchedule: [30] }, server)).toEqual([60]);
    expect(resolveSchedule({ retrySchedule: null }, { retrySchedule: [30] }, server)).toEqual([30]);
    expect(resolveSchedule({ retrySchedule: null }, { retrySchedule: null }, server)).toBe(server);
    expect(resolveSchedule({ retrySchedule: null }, null, server)).toBe(server);
  });

  it("treats an empty schedule as a choice (one attempt), not as unset", () => {
    expect(resolveSchedule({ retrySchedule: [] }, { retrySchedule: [30] }, server)).toEqual([]);
    expect(resolveSchedule({ retrySchedule: null }, { retrySchedule: [] }, server)).toEqual([]);
  });
});

describe("retry delays", () => {
  it("follows the default schedule: 8 attempts, then exhausted", () => {
    expect(DEFAULT_RETRY_SCHEDULE).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(maxAttempts(DEFAULT_RETRY_SCHEDULE)).toBe(8);
    expect(runToExhaustion(DEFAULT_RETRY_SCHEDULE, { statusCode: 500 })).toEqual(
      [5, 300, 1800, 7200, 18000, 36000, 36000].map((seconds) => seconds * 1000),
    );
  });

  it("allows at most schedule length + 1 attempts", () => {
    expect(runToExhaustion([60, 300, 1800], { statusCode: 500 })).toEqual([60_000, 300_000, 1_800_000]);
    expect(maxAttempts([60, 300, 1800])).toBe(4);
    expect(runToExhaustion([], { statusCode: 500 })).toEqual([]);
    expect(decide([], 1, { statusCode: 500 })).toEqual({ retry: false, reason: "exhausted" });
  });

  it("retries every non-2xx status and every network error", () => {
    for (const statusCode of [301, 400, 401, 404, 500, 502]) {
      expect(decide([10], 1, { statusCode })).toEqual({ retry: true, delayMs: 10_000 });
    }
    const kinds: NetworkErrorKind[] = ["dns", "refused", "reset", "tls", "ssrf_blocked", "other"];
    for (const errorKind of kinds) {
      expect(decide([10], 1, { statusCode: 0, errorKind })).toEqual({ retry: true, delayMs: 10_000 });
      expect(decide([10], 1, { errorKind })).toEqual({ retry: true, delayMs: 10_000 });
    }
  });

  it("applies ±20% jitter from the injected random source", () => {
    expect(decide([100], 1, { statusCode: 500 }, () => 0)).toEqual({ retry: true, delayMs: 80_000 });
    expect(decide([100], 1, { statusCode: 500 }, () => 0.25)).toEqual({ retry: true, delayMs: 90_000 });
    expect(decide([100], 1, { statusCode: 500 }, () => 0.9)).toEqual({ retry: true, delayMs: 116_000 });
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const decision = decide([300], 1, { statusCode: 500 }, Math.random);
      if (!decision.retry) throw new Error("expected a retry");
      expect(decision.delayMs).toBeGreaterThanOrEqual(240_000);
      expect(decision.delayMs).toBeLessThanOrEqual(360_000);
      seen.add(Math.floor((decision.delayMs - 240_000) / 12_000));
    }
    expect(seen.size).toBe(10); // spread over the whole range, not stuck at one end
  });

  it("waits at least 60 s after a timeout or a 429", () => {
    expect(decide([5], 1, { errorKind: "timeout" })).toEqual({ retry: true, delayMs: 60_000 });
    expect(decide([5], 1, { statusCode: 429 })).toEqual({ retry: true, delayMs: 60_000 });
    expect(decide([5], 1, { statusCode: 503 })).toEqual({ retry: true, delayMs: 5_000 });
    expect(decide([300], 1, { errorKind: "timeout" })).toEqual({ retry: true, delayMs: 300_000 });
  });

  it("honours Retry-After on 429 and 503 within [delay, 2 × delay]", () => {
    expect(decide([300], 1, { statusCode: 503, retryAfter: "400" })).toEqual({
      retry: true,
      delayMs: 400_000,
    });
    expect(decide([300], 1, { statusCode: 503, retryAfter: "120" })).toEqual({
      retry: true,
      delayMs: 300_000,
    });
    expect(decide([300], 1, { statusCode: 503, retryAfter: "999999" })).toEqual({
      retry: true,
      delayMs: 600_000,
    });
    expect(decide([300], 1, { statusCode: 503, retryAfter: "0" })).toEqual({ retry: true, delayMs: 300_000 });
    // 429: the 60 s floor comes first, then Retry-After is clamped around it.
    expect(decide([5], 1, { statusCode: 429, retryAfter: "90" })).toEqual({ retry: true, delayMs: 90_000 });
    expect(decide([5], 1, { statusCode: 429, retryAfter: "3600" })).toEqual({
      retry: true,
      delayMs: 120_000,
    });
  });

  it("honours Retry-After given as an HTTP-date", () => {
    const inTenMinutes = new Date(NOW + 600_000).toUTCString();
    expect(decide([300], 1, { statusCode: 429, retryAfter: inTenMinutes })).toEqual({
      retry: true,
      delayMs: 600_000,
    });
    const inAMinute = new Date(NOW + 60_000).toUTCString();
    expect(decide([300], 1, { statusCode: 503, retryAfter: inAMinute })).toEqual({
      retry: true,
      delayMs: 300_000,
    });
  });

  it("ignores Retry-After on other statuses and when malformed", () => {
    expect(decide([300], 1, { statusCode: 500, retryAfter: "500" })).toEqual({
      retry: true,
      delayMs: 300_000,
    });
    expect(decide([300], 1, { statusCode: 503, retryAfter: "soon" })).toEqual({
      retry: true,
      delayMs: 300_000,
    });
    expect(decide([300], 1, { statusCode: 503, retryAfter: "" })).toEqual({ retry: true, delayMs: 300_000 });
  });

  it("takes the sender's result shape, with nulls for what is absent", () => {
    expect(decide([5], 1, { statusCode: 0, errorKind: "timeout", retryAfter: null })).toEqual({
      retry: true,
      delayMs: 60_000,
    });
    expect(decide([300], 1, { statusCode: 503, errorKind: null, retryAfter: "400" })).toEqual({
      retry: true,
      delayMs: 400_000,
    });
    expect(decide([5], 1, { statusCode: null, errorKind: "dns", retryAfter: null })).toEqual({
      retry: true,
      delayMs: 5_000,
    });
  });

  it("does not retry after the schedule, even when Retry-After asks for it", () => {
    expect(decide([5], 2, { statusCode: 503, retryAfter: "10" })).toEqual({
      retry: false,
      reason: "exhausted",
    });
  });

  it("rejects an attempt number below 1", () => {
    expect(() => decide([5], 0, { statusCode: 500 })).toThrow(RangeError);
    expect(() => decide([5], 1.5, { statusCode: 500 })).toThrow(RangeError);
  });
});

describe("Retry-After parsing", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfterMs("120", NOW)).toBe(120_000);
    expect(parseRetryAfterMs(" 7 ", NOW)).toBe(7_000);
    for (const bad of ["-5", "1.5", "1e3", "12abc", "", "0x10"])
      expect(parseRetryAfterMs(bad, NOW)).toBeNull();
  });

  it("reads the three HTTP-date forms of RFC 9110", () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", NOW)).toBe(expected);
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", NOW)).toBe(expected);
    expect(parseHttpDate("Sun Nov  6 08:49:37 1994", NOW)).toBe(expected);
    expect(parseHttpDate("Sun Nov 16 08:49:37 1994", NOW)).toBe(Date.UTC(1994, 10, 16, 8, 49, 37));
  });

  it("places two-digit years at most 50 years ahead", () => {
    expect(parseHttpDate("Monday, 01-Jan-30 00:00:00 GMT", NOW)).toBe(Date.UTC(2030, 0, 1));
    expect(parseHttpDate("Monday, 01-Jan-80 00:00:00 GMT", NOW)).toBe(Date.UTC(1980, 0, 1));
  });

  it("rejects what is not an HTTP-date", () => {
    for (const bad of [
      "2025-06-15T12:00:00Z",
      "Sun, 31 Feb 2025 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "sun, 06 nov 1994 08:49:37 GMT",
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "tomorrow",
    ]) {
      expect(parseHttpDate(bad, NOW)).toBeNull();
    }
  });

  it("gives 0 for a date in the past", () => {
    expect(parseRetryAfterMs("Sun, 06 Nov 1994 08:49:37 GMT", NOW)).toBe(0);
    expect(parseRetryAfterMs(new Date(NOW + 5_000).toUTCString(), NOW)).toBe(5_000);
  });
});
