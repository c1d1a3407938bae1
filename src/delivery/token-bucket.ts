/**
 * The per-endpoint rate limit (`throttleRate`, messages per second) as a token bucket: tokens accrue
 * continuously at the rate, a send takes one, and the bucket holds at most a tenth of a second's worth (at
 * least one token). The small burst is the trade: a strict one-token bucket would need a timer per send at
 * high rates and lose throughput to timer lateness; a tenth of a second lets a late timer catch up while any
 * one-second window still sees at most 1.1 × the rate.
 *
 * Time comes in as an argument, so the bucket is driven by the engine's clock and tested without waiting.
 */
import type { EpochMs } from "../domain/types.js";

const BURST_SECONDS = 0.1;

export class TokenBucket {
  private ratePerMs = 0;
  private capacity = 1;
  private tokens = 0;
  private updatedAt: EpochMs;

  /** Starts full: an endpoint's first sends go out at once. */
  constructor(ratePerSecond: number, now: EpochMs) {
    this.updatedAt = now;
    this.setRate(ratePerSecond, now);
    this.tokens = this.capacity;
  }

  get ratePerSecond(): number {
    return this.ratePerMs * 1000;
  }

  /** Changes the rate (the endpoint was updated); tokens already earned are kept up to the new capacity. */
  setRate(ratePerSecond: number, now: EpochMs): void {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`a rate limit is a positive number of messages per second, got ${ratePerSecond}`);
    }
    if (this.ratePerMs > 0) this.refill(now);
    this.ratePerMs = ratePerSecond / 1000;
    this.capacity = Math.max(1, ratePerSecond * BURST_SECONDS);
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  /** Takes a token if one is available. */
  tryTake(now: EpochMs): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until `count` tokens are available (0 when they are now). */
  msUntil(count: number, now: EpochMs): number {
    this.refill(now);
    const missing = count - this.tokens;
    return missing <= 0 ? 0 : Math.ceil(missing / this.ratePerMs);
  }

  isFull(now: EpochMs): boolean {
    this.refill(now);
    return this.tokens >= this.capacity;
  }

  private refill(now: EpochMs): void {
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.ratePerMs);
    this.updatedAt = Math.max(this.updatedAt, now);
  }
}
