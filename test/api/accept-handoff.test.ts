/**
 * Accepts hand their deliveries straight to the local engine (Dispatcher.offerLeases): while the engine has room and
 * nothing older is due, an accept leases its new deliveries in its own transaction and no claim follows it. When the
 * engine is full, accepts queue their deliveries as before and a claim takes them once there is room. Through the
 * public API, on every backend, counting the store's claim transactions.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { eventually, useReceivers, webhookId } from "./delivery-fixtures.js";

describe.each(BACKENDS)("accepts hand deliveries to the engine on %s", (backend) => {
  let herald: TestHerald;
  const receiver = useReceivers();

  beforeAll(async () => {
    // A long poll, so that only a wake-up or an accept's own lease can start a send during a test; 2 in flight.
    herald = await startTestHerald({
      backend,
      config: { role: "all", deliveryPollMs: 60_000, deliveryMaxInFlight: 2 },
    });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  /** Resolves once the engine holds nothing: every send finished and its outcome written. */
  const engineIdle = () => eventually(() => herald.herald.engine?.stats().held === 0);

  it("sends what is accepted while the engine is idle without claiming it", async () => {
    const rx = await receiver();
    const app = (await herald.svix.application.create({ name: "Handoff" })).id;
    await herald.svix.endpoint.create(app, { url: `${rx.url}/a` });
    await engineIdle();
    const claimsBefore = herald.store.metrics.claimTransactions;

    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push((await herald.svix.message.create(app, { eventType: "lead.captured", payload: { i } })).id);
      await rx.waitFor(i + 1);
      await engineIdle();
    }

    expect(rx.requests.map(webhookId)).toEqual(sent);
    expect(herald.store.metrics.claimTransactions).toBe(claimsBefore);
    // Each send was recorded, as a claimed one would be.
    for (const id of sent) {
      const attempts = await herald.svix.messageAttempt.listByMsg(app, id);
      expect(attempts.data.map((attempt) => attempt.responseStatusCode)).toEqual([200]);
    }
  });

  it("queues what is accepted while the engine is full, and claims it once there is room", async () => {
    let releaseHeld: () => void = () => {};
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    // The first two requests hang until released, filling the engine's two slots.
    const rx = await receiver(async (_request, index) => {
      if (index < 2) await held;
      return { status: 200 };
    });
    const app = (await herald.svix.application.create({ name: "Backlog" })).id;
    await herald.svix.endpoint.create(app, { url: `${rx.url}/b` });
    await engineIdle();

    const first = await herald.svix.message.create(app, { eventType: "call.completed", payload: { n: 1 } });
    const second = await herald.svix.message.create(app, { eventType: "call.completed", payload: { n: 2 } });
    await rx.waitFor(2);
    const claimsBefore = herald.store.metrics.claimTransactions;
    const third = await herald.svix.message.create(app, { eventType: "call.completed", payload: { n: 3 } });
    // No slot is free: the third message waits in the queue, unsent.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rx.requests).toHaveLength(2);

    releaseHeld();
    await rx.waitFor(3);
    expect(rx.requests.map(webhookId)).toEqual([first.id, second.id, third.id]);
    expect(herald.store.metrics.claimTransactions).toBeGreaterThan(claimsBefore);
    await engineIdle();
  });
});

describe("an accept whose WAL sync fails (sqlite)", () => {
  const receiver = useReceivers();

  it("is not acknowledged, yet what it leased is sent and recorded rather than left leased", async () => {
    // The leases an accept hands on at its commit are the engine's from then on (Store.acceptMessagesAndLease).
    const herald = await startTestHerald({
      backend: "sqlite",
      config: { role: "all", deliveryPollMs: 60_000 },
    });
    try {
      const rx = await receiver();
      const app = (await herald.svix.application.create({ name: "Unsynced" })).id;
      await herald.svix.endpoint.create(app, { url: `${rx.url}/u` });
      // The store opens its sync handle on the first accept: without the -wal file that fails as a failed fsync
      // would, while SQLite goes on writing through its own descriptor.
      rmSync(join(herald.herald.config.dataDir, "herald.db-wal"));
      const refused = await fetch(`${herald.url}/api/v1/app/${app}/msg`, {
        method: "POST",
        headers: { authorization: `Bearer ${herald.token}`, "content-type": "application/json" },
        body: JSON.stringify({ eventType: "call.completed", payload: { n: 1 } }),
      });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      await rx.waitFor(1);
      await eventually(() => herald.herald.engine?.stats().held === 0);
      const messageId = rx.requests.map(webhookId)[0];
      expect(messageId).toMatch(/^msg_/);
      const attempts = await herald.svix.messageAttempt.listByMsg(app, messageId!);
      expect(attempts.data.map((attempt) => attempt.responseStatusCode)).toEqual([200]);
    } finally {
      await herald.stop();
    }
  });
});
