import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApplicationId } from "../../src/domain/ids.js";
import { MessageStatus, type Endpoint, type Message } from "../../src/domain/types.js";
import type { AttemptListFilter, Store } from "../../src/store/store.js";
import { BACKENDS, openTestStore } from "../helpers/databases.js";
import {
  aMessage,
  aSecret,
  anApplication,
  anEndpoint,
  anOutcome,
  T0,
  type OutcomeOverrides,
} from "./builders.js";

const LEASE = 30_000;

/** The attempt log and the status listings built on it, over one fixed delivery history. */
describe.each(BACKENDS)("delivery log (%s)", (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  afterAll(() => cleanup());

  let appId: ApplicationId;
  let endpoints: Endpoint[];
  let messages: Message[];
  const at = (i: number) => T0 + i * 60_000;

  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(backend));
    const app = anApplication();
    await store.createApplication(app);
    appId = app.id;
    endpoints = [anEndpoint(appId), anEndpoint(appId)].sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const endpoint of endpoints) await store.createEndpoint(endpoint, aSecret());
    messages = [];
    for (let i = 0; i < 3; i++) {
      const message = aMessage(
        appId,
        { eventType: i === 2 ? "order.paid" : "user.created", channels: i === 0 ? ["eu"] : null },
        at(i),
      );
      await store.acceptMessages([{ message, idempotencyKey: null }], at(i));
      messages.push(message);
    }
    // Endpoint 0 succeeds for every message. Endpoint 1 fails message 0 for good, fails message 1 with a
    // retry pending, and fails then succeeds message 2.
    const claimed = await store.claimDueDeliveries(100, at(3), at(3) + LEASE);
    const fail = (code: number) => ({ status: MessageStatus.Fail, responseStatusCode: code });
    const outcome = (m: number, e: number, overrides: OutcomeOverrides, time: number) => {
      const { delivery } = claimed.find(
        (c) => c.message.id === messages[m]!.id && c.endpoint.id === endpoints[e]!.id,
      )!;
      const attempt = { eventType: messages[m]!.eventType, ...overrides.attempt };
      return anOutcome(delivery, { ...overrides, attempt }, time);
    };
    await store.completeDeliveries(
      [
        outcome(0, 0, {}, at(3)),
        outcome(1, 0, {}, at(3) + 10),
        outcome(2, 0, {}, at(3) + 20),
        outcome(0, 1, { attempt: fail(500) }, at(4)),
        outcome(
          1,
          1,
          {
            attempt: { ...fail(0), errorKind: "timeout" },
            nextStatus: MessageStatus.Pending,
            nextAttemptAt: at(100),
          },
          at(4) + 10,
        ),
        outcome(
          2,
          1,
          { attempt: fail(404), nextStatus: MessageStatus.Pending, nextAttemptAt: at(5) },
          at(4) + 20,
        ),
      ],
      at(4),
    );
    const [retry] = await store.claimDueDeliveries(100, at(5), at(5) + LEASE);
    await store.completeDeliveries(
      [
        anOutcome(
          retry!.delivery,
          { attempt: { attemptNumber: 2, eventType: retry!.message.eventType } },
          at(5),
        ),
      ],
      at(5),
    );
  });

  const page = (limit = 50) => ({ limit, order: "desc" as const, cursor: null, backward: false });
  const noFilter: AttemptListFilter = {
    endpointId: null,
    messageId: null,
    status: null,
    statusCodeClass: null,
    channel: null,
    eventTypes: null,
    before: null,
    after: null,
  };

  it("lists attempts newest first with every filter", async () => {
    const list = async (filter: Partial<AttemptListFilter>) =>
      (await store.listAttempts(appId, { ...noFilter, ...filter }, page())).items.map(
        (a) =>
          `${messages.findIndex((m) => m.id === a.messageId)}/${endpoints.findIndex((e) => e.id === a.endpointId)}/${a.responseStatusCode}`,
      );
    expect(await list({})).toHaveLength(7);
    expect((await list({}))[0]).toBe("2/1/200");
    expect(await list({ endpointId: endpoints[1]!.id })).toEqual(["2/1/200", "2/1/404", "1/1/0", "0/1/500"]);
    expect((await list({ messageId: messages[2]!.id })).sort()).toEqual(["2/0/200", "2/1/200", "2/1/404"]);
    expect((await list({ status: MessageStatus.Fail })).sort()).toEqual(["0/1/500", "1/1/0", "2/1/404"]);
    expect(await list({ statusCodeClass: 0 })).toEqual(["1/1/0"]);
    expect(await list({ statusCodeClass: 400 })).toEqual(["2/1/404"]);
    expect(await list({ statusCodeClass: 500 })).toEqual(["0/1/500"]);
    expect((await list({ channel: "eu" })).sort()).toEqual(["0/0/200", "0/1/500"]);
    expect((await list({ eventTypes: ["order.paid"] })).sort()).toEqual(["2/0/200", "2/1/200", "2/1/404"]);
    expect(await list({ after: at(4) + 20, endpointId: endpoints[1]!.id })).toEqual(["2/1/200"]);
    expect(await list({ after: at(4), endpointId: endpoints[1]!.id })).toEqual([
      "2/1/200",
      "2/1/404",
      "1/1/0",
    ]);
    expect((await list({ before: at(4) })).sort()).toEqual(["0/0/200", "1/0/200", "2/0/200"]);

    const first = await store.listAttempts(appId, noFilter, page(4));
    expect(first.done).toBe(false);
    const rest = await store.listAttempts(appId, noFilter, { ...page(4), cursor: first.items[3]!.id });
    expect(rest.items).toHaveLength(3);
    expect(rest.done).toBe(true);
  });

  it("gets and expunges one attempt, within its application and message", async () => {
    const [attempt] = (await store.listAttempts(appId, { ...noFilter, messageId: messages[0]!.id }, page()))
      .items;
    expect(await store.getAttempt(appId, messages[0]!.id, attempt!.id)).toEqual(attempt);
    expect(await store.getAttempt(appId, messages[1]!.id, attempt!.id)).toBeNull();
    const other = anApplication();
    await store.createApplication(other);
    expect(await store.getAttempt(other.id, messages[0]!.id, attempt!.id)).toBeNull();
    await store.expungeAttemptContent(appId, messages[0]!.id, attempt!.id);
    expect((await store.getAttempt(appId, messages[0]!.id, attempt!.id))?.response).toBe("EXPUNGED");
  });

  it("lists attempted destinations of a message, deleted endpoints included, by endpoint id", async () => {
    const asc = { limit: 10, order: "asc" as const, cursor: null, backward: false };
    await store.deleteEndpoint(appId, endpoints[0]!.id, at(6));
    const forMessage = async (m: number) =>
      (await store.listAttemptedDestinations(appId, messages[m]!.id, asc)).items.map((d) => [
        endpoints.findIndex((e) => e.id === d.endpoint.id),
        d.status,
        d.nextAttemptAt,
      ]);
    expect(await forMessage(0)).toEqual([
      [0, MessageStatus.Success, null],
      [1, MessageStatus.Fail, null],
    ]);
    expect(await forMessage(1)).toEqual([
      [0, MessageStatus.Success, null],
      [1, MessageStatus.Fail, at(100)],
    ]);
    expect(await forMessage(2)).toEqual([
      [0, MessageStatus.Success, null],
      [1, MessageStatus.Success, null],
    ]);
    const firstOnly = await store.listAttemptedDestinations(appId, messages[0]!.id, { ...asc, limit: 1 });
    expect(firstOnly.done).toBe(false);
  });

  it("lists attempted messages of an endpoint with Svix's status rules", async () => {
    const endpointId = endpoints[1]!.id;
    const list = async (status: MessageStatus | null) =>
      (
        await store.listAttemptedMessages(
          appId,
          endpointId,
          { status, channel: null, eventTypes: null, before: null, after: null },
          page(),
        )
      ).items.map((m) => [messages.findIndex((x) => x.id === m.message.id), m.status, m.nextAttemptAt]);
    expect(await list(null)).toEqual([
      [2, MessageStatus.Success, null],
      [1, MessageStatus.Sending, at(100)],
      [0, MessageStatus.Fail, null],
    ]);
    expect(await list(MessageStatus.Success)).toEqual([[2, MessageStatus.Success, null]]);
    expect(await list(MessageStatus.Fail)).toEqual([[0, MessageStatus.Fail, null]]);
    expect(await list(MessageStatus.Sending)).toEqual([[1, MessageStatus.Sending, at(100)]]);
    expect(await list(MessageStatus.Pending)).toEqual([]);

    const withChannel = await store.listAttemptedMessages(
      appId,
      endpointId,
      { status: null, channel: "eu", eventTypes: null, before: null, after: null },
      page(),
    );
    expect(withChannel.items.map((m) => m.message.id)).toEqual([messages[0]!.id]);
  });

  it("counts an endpoint's attempts by status in a window", async () => {
    expect(await store.countEndpointAttempts(endpoints[1]!.id, T0, at(10))).toEqual({
      success: 1,
      pending: 0,
      sending: 0,
      fail: 3,
      canceled: 0,
    });
    expect(await store.countEndpointAttempts(endpoints[1]!.id, at(5), at(5))).toMatchObject({
      success: 1,
      fail: 0,
    });
  });
});
