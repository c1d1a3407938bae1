/**
 * Group commit (DESIGN §2): concurrent message creates share accept transactions, every message is answered only
 * once it and its deliveries are committed, and the fan-out is complete.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { sendConcurrently } from "../helpers/external-client.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";

const MESSAGES = 200;

describe.each(BACKENDS)("group commit on %s", (backend) => {
  let herald: TestHerald;

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "api" } });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  it(`accepts ${MESSAGES} concurrent messages in far fewer transactions, with every delivery written`, async () => {
    const app = await herald.svix.application.create({ name: "Burst" });
    const all = await herald.svix.endpoint.create(app.id, { url: "https://example.com/all" });
    const red = await herald.svix.endpoint.create(app.id, {
      url: "https://example.com/red",
      channels: ["red"],
    });
    await herald.svix.endpoint.create(app.id, { url: "https://example.com/off", disabled: true });

    const transactionsBefore = herald.store.metrics.acceptTransactions;
    const acceptedBefore = herald.store.metrics.acceptedMessages;
    const responses = await sendConcurrently(
      Array.from({ length: MESSAGES }, (_, i) => ({
        method: "POST",
        url: `${herald.url}/api/v1/app/${app.id}/msg`,
        headers: { authorization: `Bearer ${herald.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          eventType: "burst.event",
          payload: { i },
          channels: i % 2 === 0 ? ["red"] : ["blue"],
        }),
      })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(MESSAGES).fill(202));
    const ids = responses.map((response) => (JSON.parse(response.text) as { id: string }).id);
    expect(new Set(ids).size).toBe(MESSAGES);

    const transactions = herald.store.metrics.acceptTransactions - transactionsBefore;
    expect(herald.store.metrics.acceptedMessages - acceptedBefore).toBe(MESSAGES);
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThanOrEqual(MESSAGES / 4);

    // Every message reached the queue: one delivery to `all`, and one to `red` for the red half.
    const now = Date.now() + 1000;
    const claimed = await herald.store.claimDueDeliveries(5 * MESSAGES, now, now + 60_000);
    const perEndpoint = (endpointId: string) =>
      claimed.filter((item) => item.endpoint.id === endpointId).map((item) => item.message.id);
    expect(new Set(perEndpoint(all.id))).toEqual(new Set(ids));
    expect(new Set(perEndpoint(red.id))).toEqual(new Set(ids.filter((_, i) => i % 2 === 0)));
    expect(claimed).toHaveLength(MESSAGES + MESSAGES / 2);
  });

  it("answers a 409 to a duplicate eventId inside the same batch and accepts the rest", async () => {
    const app = await herald.svix.application.create({ name: "Batch duplicates" });
    const transactionsBefore = herald.store.metrics.acceptTransactions;
    const responses = await sendConcurrently(
      ["dup", "dup", "unique-1", "unique-2", "dup"].map((eventId) => ({
        method: "POST",
        url: `${herald.url}/api/v1/app/${app.id}/msg`,
        headers: { authorization: `Bearer ${herald.token}`, "content-type": "application/json" },
        body: JSON.stringify({ eventType: "batch.dup", payload: {}, eventId }),
      })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([202, 202, 202, 409, 409]);
    expect(herald.store.metrics.acceptTransactions - transactionsBefore).toBeLessThan(5);
    expect((await herald.svix.message.list(app.id)).data).toHaveLength(3);
  });
});
