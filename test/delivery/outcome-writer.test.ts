/** The outcome writer on a real store, with the store's writes failing for a while (fault injection). */
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MessageStatus } from "../../src/domain/types.js";
import { OutcomeWriter } from "../../src/delivery/outcome-writer.js";
import type { DeliveryOutcome, Store } from "../../src/store/store.js";
import { BACKENDS, openTestStore } from "../helpers/databases.js";
import { anOutcome } from "../store/builders.js";
import { attemptsOf, createApp, sendMessages, silentLog } from "./fixtures.js";

describe.each(BACKENDS)("OutcomeWriter (%s)", (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(backend));
  });
  afterEach(() => cleanup());

  async function claimedOutcomes(count: number) {
    const { app } = await createApp(store, [{ url: "https://receiver.example/hook" }]);
    await sendMessages(
      store,
      app.id,
      Array.from({ length: count }, (_, i) => `{"i": ${i}}`),
    );
    const now = Date.now();
    const claimed = await store.claimDueDeliveries(count, now, now + 60_000);
    const outcomes = claimed.map((item) =>
      anOutcome(
        item.delivery,
        { nextStatus: MessageStatus.Success, attempt: { eventType: item.message.eventType } },
        now,
      ),
    );
    return { app, outcomes };
  }

  it("writes everything submitted in one turn with one call", async () => {
    const { app, outcomes } = await claimedOutcomes(5);
    const calls: number[] = [];
    const written: DeliveryOutcome[] = [];
    const writer = new OutcomeWriter({
      store: {
        completeDeliveries: (batch, now) => (calls.push(batch.length), store.completeDeliveries(batch, now)),
      },
      now: Date.now,
      log: silentLog,
      maxBatchSize: 100,
      onWritten: (batch) => written.push(...batch),
    });
    for (const outcome of outcomes) writer.submit(outcome);
    expect(await writer.drain(5_000)).toBe(true);
    expect(calls).toEqual([5]);
    expect(written).toHaveLength(5);
    expect(await attemptsOf(store, app.id)).toHaveLength(5);
  });

  /** A writer over the real store that records each write's size and start time. */
  function pacedWriter(minWriteIntervalMs: number, maxBatchSize = 100, eagerBatchSize?: number) {
    const writes: { size: number; at: number }[] = [];
    const writer = new OutcomeWriter({
      store: {
        completeDeliveries: (batch, now) => (
          writes.push({ size: batch.length, at: performance.now() }),
          store.completeDeliveries(batch, now)
        ),
      },
      now: Date.now,
      log: silentLog,
      maxBatchSize,
      minWriteIntervalMs,
      ...(eagerBatchSize === undefined ? {} : { eagerBatchSize }),
      onWritten: () => {},
    });
    return { writer, writes };
  }
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it("paces writes: what arrives within the interval after a write goes into the next one", async () => {
    const { outcomes } = await claimedOutcomes(4);
    const { writer, writes } = pacedWriter(100);
    writer.submit(outcomes[0]!);
    await nextTurn();
    await nextTurn();
    // Three more, each in a turn of its own: back to back they would be three transactions.
    for (const outcome of outcomes.slice(1)) {
      writer.submit(outcome);
      await nextTurn();
    }
    expect(await writer.drain(5_000)).toBe(true);
    expect(writes.map((write) => write.size)).toEqual([1, 3]);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(99);
  });

  it("writes an outcome that comes after a quiet spell at once, and a full batch without waiting", async () => {
    const { outcomes } = await claimedOutcomes(5);
    const quiet = pacedWriter(200);
    quiet.writer.submit(outcomes[0]!);
    expect(await quiet.writer.drain(5_000)).toBe(true);
    await delay(250);
    const submittedAt = performance.now();
    quiet.writer.submit(outcomes[1]!);
    expect(await quiet.writer.drain(5_000)).toBe(true);
    expect(quiet.writes[1]!.at - submittedAt).toBeLessThan(150);

    const full = pacedWriter(60_000, 2);
    full.writer.submit(outcomes[2]!);
    await nextTurn();
    full.writer.submit(outcomes[3]!);
    full.writer.submit(outcomes[4]!); // with the one being written, a full batch is waiting now
    expect(await full.writer.drain(2_000)).toBe(true);
    expect(full.writes.map((write) => write.size)).toEqual([1, 2]);
  });

  it("writes an eager batch without waiting for the interval, and a smaller one after it", async () => {
    const { outcomes } = await claimedOutcomes(6);
    const { writer, writes } = pacedWriter(60_000, 100, 2);
    writer.submit(outcomes[0]!);
    await nextTurn();
    // Within the interval: one alone waits, two (the eager size) go at once.
    writer.submit(outcomes[1]!);
    await delay(50);
    expect(writes.map((write) => write.size)).toEqual([1]);
    writer.submit(outcomes[2]!);
    await delay(50);
    expect(writes.map((write) => write.size)).toEqual([1, 2]);
    for (const outcome of outcomes.slice(3)) writer.submit(outcome);
    expect(await writer.drain(2_000)).toBe(true);
    expect(writes.map((write) => write.size)).toEqual([1, 2, 3]);
  });

  it("retries a failed write until it succeeds, dropping nothing", async () => {
    const { app, outcomes } = await claimedOutcomes(3);
    let failuresLeft = 2;
    let written = 0;
    const writer = new OutcomeWriter({
      store: {
        async completeDeliveries(batch, now) {
          if (failuresLeft-- > 0) throw new Error("database unavailable");
          await store.completeDeliveries(batch, now);
        },
      },
      now: Date.now,
      log: silentLog,
      maxBatchSize: 100,
      onWritten: (batch) => (written += batch.length),
    });
    for (const outcome of outcomes) writer.submit(outcome);
    expect(writer.pending).toBe(3);
    expect(await writer.drain(5_000)).toBe(true);
    expect(written).toBe(3);
    expect(await attemptsOf(store, app.id)).toHaveLength(3);
  });

  it("gives up only when a drain runs out of time, and reports it", async () => {
    const { outcomes } = await claimedOutcomes(2);
    const writer = new OutcomeWriter({
      store: { completeDeliveries: () => Promise.reject(new Error("database unavailable")) },
      now: Date.now,
      log: silentLog,
      maxBatchSize: 100,
      onWritten: () => {},
    });
    for (const outcome of outcomes) writer.submit(outcome);
    expect(await writer.drain(150)).toBe(false);
    expect(writer.pending).toBe(0);
  });
});
