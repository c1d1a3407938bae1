import { describe, expect, it } from "vitest";
import { EndpointLanes, type Job } from "../../src/delivery/endpoint-lanes.js";
import type { EndpointId } from "../../src/domain/ids.js";
import type { ClaimedDelivery } from "../../src/store/store.js";

/** A claimed delivery with the fields the lanes read: the endpoint's id, timeout and rate. */
function job(seq: number, leaseUntil: number): Job {
  const claimed = {
    delivery: { id: `dlv_${seq}` },
    endpoint: { id: "ep_slow" as EndpointId, timeoutSeconds: 30, throttleRate: null },
  } as unknown as ClaimedDelivery;
  return { claimed, leaseUntil };
}

describe("endpoint lanes", () => {
  it("gives leases back with whole-millisecond due times, whatever the endpoint's average latency", async () => {
    let now = 1_700_000_000_000;
    const finishers: (() => void)[] = [];
    const released: number[] = [];
    const lanes = new EndpointLanes({
      perEndpointConcurrency: 1,
      maxLaneWaitMs: 50,
      leaseMarginMs: 1_000,
      now: () => now,
      send: () => new Promise<void>((resolve) => finishers.push(resolve)),
      release: (_job, nextAttemptAt) => released.push(nextAttemptAt),
    });
    const leaseUntil = now + 120_000;
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    // Sends of 7 ms and 10 ms, each with the next one queued behind it so the lane (and its latency average)
    // stays, make the average fractional: 7 + 0.2 × (10 − 7) = 7.6 ms.
    lanes.enqueue(job(0, leaseUntil));
    lanes.enqueue(job(1, leaseUntil));
    now += 7;
    finishers.shift()?.();
    await settle();
    lanes.enqueue(job(2, leaseUntil));
    now += 10;
    finishers.shift()?.();
    await settle();
    // One send in flight and a long queue: the tail would start far later than maxLaneWaitMs, so it goes back.
    for (let seq = 10; seq < 40; seq++) lanes.enqueue(job(seq, leaseUntil));
    expect(released.length).toBeGreaterThan(0);
    for (const at of released) expect(Number.isInteger(at)).toBe(true);
    lanes.releaseAll();
    finishers.forEach((finish) => finish());
  });
});
