/** The dispatcher's wake-ups for work coming due, and when an accept may lease its own deliveries (real store). */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dispatcher, DUE_GRANULARITY_MS, dueWakeAt } from "../../src/delivery/dispatcher.js";
import type { EpochMs } from "../../src/domain/types.js";
import type { ClaimedDelivery, Store } from "../../src/store/store.js";
import { openTestStore } from "../helpers/databases.js";
import { createApp, eventually, sendMessages, silentLog } from "./fixtures.js";

const OPTIONS = {
  maxInFlight: 256,
  claimBatchSize: 128,
  idlePollMs: 60_000,
  leaseMs: 60_000,
  leaseBeyondTimeoutMs: 10_000,
};

/** The first step of the due grid at least `ms` from now. */
function gridStepAfter(ms: number): EpochMs {
  return dueWakeAt(Date.now() + ms);
}

let store: Store;
let cleanup: () => Promise<void>;
let dispatcher: Dispatcher | null = null;

beforeEach(async () => {
  ({ store, cleanup } = await openTestStore("sqlite"));
});

afterEach(async () => {
  await dispatcher?.stop();
  dispatcher = null;
  await cleanup();
});

describe("the dispatcher", () => {
  it("claims what comes due within one step of its grid in one claim, not one claim each", async () => {
    const { app } = await createApp(store, [{}]);
    await sendMessages(
      store,
      app.id,
      ["1", "2", "3", "4", "5"].map((n) => `{"n":${n}}`),
    );
    // Lease them, then give them back due a few milliseconds apart, as a lane gives back a hanging endpoint's.
    const now = Date.now();
    const leased = await store.claimDueDeliveries(10, now, now + 60_000);
    expect(leased).toHaveLength(5);
    // Far enough ahead that the dispatcher's first claim, at start, finds nothing due yet.
    const step = gridStepAfter(1_000);
    // Inside the step, not on its edge: a timer may fire a millisecond before the clock reads its time.
    const dueTimes = leased.map((_, i) => step - 45 + i * 10);
    await store.releaseDeliveries(
      leased.map((item, i) => ({
        deliveryId: item.delivery.id,
        leaseUntil: item.delivery.leaseUntil ?? now,
        nextAttemptAt: dueTimes[i] as number,
      })),
      now,
    );

    const batches: ClaimedDelivery[][] = [];
    dispatcher = new Dispatcher(
      { store, now: Date.now, log: silentLog, onClaimed: (claimed) => batches.push([...claimed]) },
      OPTIONS,
    );
    for (const at of dueTimes) dispatcher.noteDue(at);
    dispatcher.start();

    await eventually(() => batches.flat().length === 5);
    await new Promise((resolve) => setTimeout(resolve, 2 * DUE_GRANULARITY_MS));
    expect(batches.map((batch) => batch.length)).toEqual([5]);
  });

  it("lets an accept lease while work due within the current step awaits its wake-up, and not after it", async () => {
    let clock = Date.now();
    dispatcher = new Dispatcher({ store, now: () => clock, log: silentLog, onClaimed: () => {} }, OPTIONS);
    dispatcher.start();
    const idle = dispatcher;
    // Caught up once its first claim has found nothing.
    await eventually(() => {
      const offer = idle.offerLeases();
      offer?.cancel();
      return offer !== null;
    });

    const step = gridStepAfter(200);
    const dueAt = step - 30;
    dispatcher.noteDue(dueAt);
    clock = dueAt + 1;
    const offer = dispatcher.offerLeases();
    expect(offer).not.toBeNull();
    offer?.cancel();

    // Past the step: the due work should have been claimed by now, so an accept would jump a queue.
    clock = step + 1;
    expect(dispatcher.offerLeases()).toBeNull();
  });
});
