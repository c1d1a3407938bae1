import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../src/delivery/token-bucket.js";

describe("TokenBucket", () => {
  it("lets one send through at once at low rates, then one per 1/rate seconds", () => {
    const bucket = new TokenBucket(5, 0);
    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.tryTake(0)).toBe(false);
    expect(bucket.msUntil(1, 0)).toBe(200);
    expect(bucket.tryTake(199)).toBe(false);
    expect(bucket.tryTake(200)).toBe(true);
    expect(bucket.msUntil(3, 200)).toBe(600);
  });

  it("never exceeds 1.1 times the rate in any second at high rates", () => {
    const bucket = new TokenBucket(1000, 0);
    let sent = 0;
    for (let t = 0; t <= 1000; t++) while (bucket.tryTake(t)) sent++;
    expect(sent).toBeLessThanOrEqual(1100);
    expect(sent).toBeGreaterThanOrEqual(1000);
  });

  it("keeps no more than its capacity after a quiet period, and follows a rate change", () => {
    const bucket = new TokenBucket(10, 0);
    expect(bucket.isFull(60_000)).toBe(true);
    expect(bucket.tryTake(60_000)).toBe(true);
    expect(bucket.tryTake(60_000)).toBe(false);
    bucket.setRate(1, 60_000);
    expect(bucket.msUntil(1, 60_000)).toBe(1_000);
    expect(() => bucket.setRate(0, 60_000)).toThrow(RangeError);
  });
});
