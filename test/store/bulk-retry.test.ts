/**
 * The store's manual sends beside the queue: choosing a bulk retry's deliveries (`listDeliveriesForRetry`) and
 * recording a message sent synchronously by the endpoint test action (`recordSentMessage`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, type ApplicationId, type DeliveryId } from "../../src/domain/ids.js";
import { MessageStatus, TriggerType, type Endpoint, type Message } from "../../src/domain/types.js";
import type { ClaimedDelivery, DeliveryOutcome, RetryFilter, Store } from "../../src/store/store.js";
import { BACKENDS, openTestStore } from "../helpers/databases.js";
import { aMessage, aSecret, anApplication, anAttempt, anEndpoint, anOutcome, T0 } from "./builders.js";

const LEASE = 30_000;
const at = (minute: number) => T0 + minute * 60_000;

describe.each(BACKENDS)("bulk retry selection (%s)", (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let appId: ApplicationId;
  let endpoints: Endpoint[];
  let messages: Message[];
  let otherAppId: ApplicationId;

  afterAll(() => cleanup());

  /** "m/e": message and endpoint indexes of a chosen pair. */
  const label = (request: { messageId: string; endpointId: string }) =>
    `${messages.findIndex((m) => m.id === request.messageId)}/${endpoints.findIndex((e) => e.id === request.endpointId)}`;

  const everything: RetryFilter = {
    status: MessageStatus.Fail,
    eventTypes: null,
    endpointId: null,
    since: at(0),
    until: at(60),
  };

  async function chosen(filter: Partial<RetryFilter>, now = at(60)): Promise<string[]> {
    const batch = await store.listDeliveriesForRetry(appId, { ...everything, ...filter }, null, 100, now);
    expect(batch.cursor).toBeNull();
    return batch.requests.map(label);
  }

  /** Completes `claimed` with a failure for the pairs in `failures` ("m/e"), a success for the others. */
  function outcomes(
    claimed: readonly ClaimedDelivery[],
    failures: readonly string[],
    time: number,
    retrying: readonly string[] = [],
  ): DeliveryOutcome[] {
    return claimed.map(({ delivery }) => {
      const pair = label(delivery);
      if (retrying.includes(pair)) {
        return anOutcome(
          delivery,
          {
            attempt: { status: MessageStatus.Fail, responseStatusCode: 503 },
            nextStatus: MessageStatus.Pending,
            nextAttemptAt: at(1000),
          },
          time,
        );
      }
      if (!failures.includes(pair)) return anOutcome(delivery, {}, time);
      return anOutcome(delivery, { attempt: { status: MessageStatus.Fail, responseStatusCode: 500 } }, time);
    });
  }

  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(backend));
    const app = anApplication();
    await store.createApplication(app);
    appId = app.id;
    endpoints = [];
    for (let i = 0; i < 4; i++) {
      const endpoint = anEndpoint(appId, {}, at(0) + i);
      await store.createEndpoint(endpoint, aSecret());
      endpoints.push(endpoint);
    }
    messages = [];
    for (let i = 0; i < 5; i++) {
      const message = aMessage(appId, { eventType: i === 1 ? "order.paid" : "user.created" }, at(i));
      await store.acceptMessages([{ message, idempotencyKey: null }], at(i));
      messages.push(message);
    }
    // Endpoint 0 fails m0 for good, m1 with a retry pending, m2 (later resent with success), m3; endpoint 1
    // fails m1, m2 and m4; endpoints 2 and 3 (disabled and deleted below) fail everything.
    const first = await store.claimDueDeliveries(100, at(5), at(5) + LEASE);
    expect(first).toHaveLength(20);
    const everythingOn = (e: number) => [0, 1, 2, 3, 4, 5].map((m) => `${m}/${e}`);
    await store.completeDeliveries(
      outcomes(
        first,
        ["0/0", "2/0", "3/0", "1/1", "2/1", "4/1", ...everythingOn(2), ...everythingOn(3)],
        at(5),
        ["1/0"],
      ),
      at(5),
    );
    // m5: its delivery to endpoint 1 is canceled (the endpoint was disabled when it came due), m5 fails on 0.
    const m5 = aMessage(appId, {}, at(6));
    messages.push(m5);
    await store.acceptMessages([{ message: m5, idempotencyKey: null }], at(6));
    await store.updateEndpoint({ ...endpoints[1]!, disabled: true });
    const second = await store.claimDueDeliveries(100, at(7), at(7) + LEASE);
    await store.updateEndpoint({ ...endpoints[1]!, disabled: false });
    expect(second.map((c) => label(c.delivery)).sort()).toEqual(["5/0", "5/2", "5/3"]);
    await store.completeDeliveries(outcomes(second, ["5/0", "5/2", "5/3"], at(7)), at(7));
    // m2 is resent to endpoint 0 and succeeds; m3's payload is expunged.
    await store.enqueueManualDeliveries(
      [{ appId, messageId: messages[2]!.id, endpointId: endpoints[0]!.id }],
      at(8),
    );
    const resent = await store.claimDueDeliveries(100, at(8), at(8) + LEASE);
    expect(resent.map((c) => label(c.delivery))).toEqual(["2/0"]);
    await store.completeDeliveries(outcomes(resent, [], at(8)), at(8));
    await store.expungeMessageContent(appId, messages[3]!.id);
    await store.updateEndpoint({ ...endpoints[2]!, disabled: true });
    await store.deleteEndpoint(appId, endpoints[3]!.id, at(9));

    // Another application's failure never shows up.
    const other = anApplication();
    await store.createApplication(other);
    otherAppId = other.id;
    await store.createEndpoint(anEndpoint(other.id), aSecret());
    await store.acceptMessages([{ message: aMessage(other.id, {}, at(2)), idempotencyKey: null }], at(2));
    const otherClaimed = await store.claimDueDeliveries(100, at(10), at(10) + LEASE);
    await store.completeDeliveries(
      otherClaimed.map(({ delivery }) =>
        anOutcome(delivery, { attempt: { status: MessageStatus.Fail, responseStatusCode: 500 } }, at(10)),
      ),
      at(10),
    );
  });

  it("chooses failed pairs with no success and no retry pending, on live enabled endpoints", async () => {
    expect(await chosen({})).toEqual(["0/0", "1/1", "2/1", "4/1", "5/0"]);
  });

  it("chooses succeeded or canceled pairs when asked", async () => {
    expect(await chosen({ status: MessageStatus.Success })).toEqual(["0/1", "2/0", "4/0"]);
    expect(await chosen({ status: MessageStatus.Canceled })).toEqual(["5/1"]);
  });

  it("filters by event type, endpoint and the messages' creation time", async () => {
    expect(await chosen({ eventTypes: ["order.paid"] })).toEqual(["1/1"]);
    expect(await chosen({ eventTypes: ["order.paid", "user.created"] })).toEqual(
      await chosen({ eventTypes: null }),
    );
    expect(await chosen({ eventTypes: [] })).toEqual([]);
    expect(await chosen({ endpointId: endpoints[0]!.id })).toEqual(["0/0", "5/0"]);
    expect(await chosen({ endpointId: endpoints[2]!.id })).toEqual([]);
    // [since, until): a message created exactly at `until` is outside, one exactly at `since` inside.
    expect(await chosen({ since: at(1), until: at(4) })).toEqual(["1/1", "2/1"]);
    expect(await chosen({ since: at(1) + 1, until: at(4) + 1 })).toEqual(["2/1", "4/1"]);
  });

  it("skips messages whose payload has expired", async () => {
    // m0–m4 were created by minute 4, m5 at minute 6; payloads are kept 90 days.
    expect(await chosen({}, at(5) + 90 * 24 * 60 * 60_000)).toEqual(["5/0"]);
  });

  it("works in batches of at most `limit` messages, resuming from the cursor", async () => {
    const batches: string[][] = [];
    let cursor: string | null = null;
    for (let round = 0; round < 10; round++) {
      const batch = await store.listDeliveriesForRetry(
        appId,
        everything,
        cursor as Message["id"] | null,
        2,
        at(60),
      );
      batches.push(batch.requests.map(label));
      cursor = batch.cursor;
      if (cursor === null) break;
    }
    // m3 (expunged) is not examined at all: batches of messages m0 m1 | m2 m4 | m5.
    expect(batches).toEqual([["0/0", "1/1"], ["2/1", "4/1"], ["5/0"]]);
  });

  it("stays inside the application", async () => {
    const own = await store.listDeliveriesForRetry(otherAppId, everything, null, 100, at(60));
    expect(own.requests).toHaveLength(1);
    expect(own.requests[0]?.appId).toBe(otherAppId);
    expect(messages.some((m) => m.id === own.requests[0]?.messageId)).toBe(false);
  });
});

describe.each(BACKENDS)("recording a test send (%s)", (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(backend));
  });
  afterAll(() => cleanup());

  it("writes the message, a settled manual delivery and its attempt; nothing is queued", async () => {
    const now = Date.now();
    const app = anApplication({}, now);
    await store.createApplication(app);
    const endpoint = anEndpoint(app.id, {}, now);
    await store.createEndpoint(endpoint, aSecret());
    const message = aMessage(app.id, { eventType: "invoice.paid" }, now);
    const delivery = {
      id: newId("delivery", now) as DeliveryId,
      appId: app.id,
      messageId: message.id,
      endpointId: endpoint.id,
    };
    const attempt = anAttempt(
      delivery,
      {
        eventType: "invoice.paid",
        trigger: TriggerType.Manual,
        status: MessageStatus.Fail,
        responseStatusCode: 500,
        response: "bad\u0000byte",
      },
      now,
    );
    await store.recordSentMessage(message, attempt, now);

    expect(await store.getMessage(app.id, message.id)).toEqual(message);
    expect(await store.claimDueDeliveries(100, now + 60_000, now + 120_000)).toEqual([]);
    expect(await store.nextDueAt()).toBeNull();
    const logged = await store.getAttempt(app.id, message.id, attempt.id);
    expect(logged).toMatchObject({
      trigger: TriggerType.Manual,
      status: MessageStatus.Fail,
      responseStatusCode: 500,
      deliveryId: delivery.id,
    });
    expect(logged?.response.startsWith("bad")).toBe(true);
    const attempted = await store.listAttemptedMessages(
      app.id,
      endpoint.id,
      { status: null, channel: null, eventTypes: null, before: null, after: null },
      { limit: 10, order: "desc", cursor: null, backward: false },
    );
    expect(attempted.items.map((row) => [row.message.id, row.status, row.nextAttemptAt])).toEqual([
      [message.id, MessageStatus.Fail, null],
    ]);
    // It is a failed delivery like any other: a bulk retry of failures picks it up.
    const retry = await store.listDeliveriesForRetry(
      app.id,
      { status: MessageStatus.Fail, eventTypes: null, endpointId: null, since: now - 1, until: now + 1 },
      null,
      10,
      now,
    );
    expect(retry.requests).toEqual([{ appId: app.id, messageId: message.id, endpointId: endpoint.id }]);
  });
});
