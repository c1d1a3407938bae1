/** The outcome writer on a real store, with the store's writes failing for a while (fault injection). */
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
