/**
 * Messages (svix-api.md §6) through a real Herald: the official SDK where it covers a route, raw HTTP for exact
 * payload bytes, `with_content` defaults, error shapes and Svix Cloud routes.
 */
import { messageInRaw } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApplicationId } from "../../src/domain/ids.js";
import { topLevelValueText } from "../../src/lib/json-span.js";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { apiError, rawCall } from "../helpers/raw-api.js";

const HOUR_MS = 60 * 60 * 1000;
/** Ids carry time at 4 ms resolution; messages created closer together have no defined order among themselves. */
const nextIdTick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe.each(BACKENDS)("messages on %s", (backend) => {
  let herald: TestHerald;
  let clockOffset = 0;
  let appId: string;

  beforeAll(async () => {
    // role "api": no delivery engine claims the queue, so deliveries stay as accepted.
    herald = await startTestHerald({ backend, config: { role: "api" }, now: () => Date.now() + clockOffset });
    appId = (await herald.svix.application.create({ name: "Messages", uid: "messages-app" })).id;
  });
  afterAll(async () => {
    await herald?.stop();
  });

  async function newApp(name: string): Promise<string> {
    return (await herald.svix.application.create({ name })).id;
  }

  it("accepts a message (202) and answers MessageOut; the SDK's with_content=false gives payload {}", async () => {
    const message = await herald.svix.message.create(appId, {
      eventType: "user.signup",
      payload: { id: 1 },
      eventId: "evt-create-1",
      channels: ["b", "a", "b"],
    });
    expect(message.id).toMatch(/^msg_[0-9A-Za-z]{27}$/);
    expect(message).toMatchObject({ eventType: "user.signup", eventId: "evt-create-1", payload: {} });
    expect([...(message.channels ?? [])].sort()).toEqual(["a", "b"]);
    expect(message.timestamp.getTime()).toBeGreaterThan(Date.now() - 60_000);

    const withContent = await herald.svix.message.create(
      appId,
      { eventType: "user.signup", payload: { id: 2 } },
      { withContent: true },
    );
    expect(withContent.payload).toEqual({ id: 2 });
    expect(withContent.eventId).toBeNull();
    expect(withContent.channels).toBeNull();
  });

  it("answers with the content when with_content is absent (v1 clients, curl)", async () => {
    const created = await rawCall(herald, "POST", `/api/v1/app/${appId}/msg`, {
      body: { eventType: "a.b", payload: { x: 1 } },
    });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({
      eventType: "a.b",
      payload: { x: 1 },
      eventId: null,
      channels: null,
    });
    const id = (created.json as { id: string }).id;

    expect((await rawCall(herald, "GET", `/api/v1/app/${appId}/msg/${id}`)).json).toMatchObject({
      payload: { x: 1 },
    });
    expect(
      (await rawCall(herald, "GET", `/api/v1/app/${appId}/msg/${id}?with_content=false`)).json,
    ).toMatchObject({ payload: {} });
    expect((await herald.svix.message.get(appId, id)).payload).toEqual({});
    expect((await herald.svix.message.get(appId, id, { withContent: true })).payload).toEqual({ x: 1 });
  });

  it("stores and returns the payload's exact bytes: big integers, number formats, spacing, key order", async () => {
    const payloadText =
      '{ "z" : 12345678901234567890, "a":1.50E3,\n "s":"caf\\u00e9 \\"q\\"", "nested": {"b":[1, 2.0 ,{}]} }';
    const body = `{"eventType":"exact.bytes",  "payload" : ${payloadText} , "tags":["ignored"]}`;
    const created = await rawCall(herald, "POST", `/api/v1/app/${appId}/msg?with_content=true`, { body });
    expect(created.status).toBe(202);
    expect(topLevelValueText(created.text, "payload")).toBe(payloadText);
    const id = (created.json as { id: string }).id;

    const fetched = await rawCall(herald, "GET", `/api/v1/app/${appId}/msg/${id}`);
    expect(topLevelValueText(fetched.text, "payload")).toBe(payloadText);
    const stored = await herald.store.getMessage(
      (await herald.svix.application.get(appId)).id as ApplicationId,
      id,
    );
    expect(stored?.payload).toBe(payloadText);

    const listed = await rawCall(herald, "GET", `/api/v1/app/${appId}/msg?event_types=exact.bytes`);
    expect(listed.text).toContain(`"payload":${payloadText}`);
  });

  it("accepts `data` as an alias of `payload`, keeping its bytes", async () => {
    const created = await rawCall(herald, "POST", `/api/v1/app/${appId}/msg`, {
      body: '{"eventType":"alias","data":{"n": 1e2}}',
    });
    expect(created.status).toBe(202);
    expect(topLevelValueText(created.text, "payload")).toBe('{"n": 1e2}');
  });

  it("keeps transformationsParams.rawPayload verbatim as the payload", async () => {
    const jsonRaw = '{"raw" :true,"n":10000000000000000001}';
    const fromJson = await herald.svix.message.create(appId, messageInRaw("raw.json", jsonRaw));
    const textRaw = "<xml>not json</xml>";
    const fromText = await herald.svix.message.create(
      appId,
      messageInRaw("raw.text", textRaw, "application/xml"),
    );

    const app = await herald.svix.application.get(appId);
    expect((await herald.store.getMessage(app.id as ApplicationId, fromJson.id))?.payload).toBe(jsonRaw);
    expect((await herald.store.getMessage(app.id as ApplicationId, fromText.id))?.payload).toBe(textRaw);
    expect(
      topLevelValueText(
        (await rawCall(herald, "GET", `/api/v1/app/${appId}/msg/${fromJson.id}`)).text,
        "payload",
      ),
    ).toBe(jsonRaw);
    // Not JSON: shown as a string rather than breaking the response.
    expect((await rawCall(herald, "GET", `/api/v1/app/${appId}/msg/${fromText.id}`)).json).toMatchObject({
      payload: textRaw,
    });
  });

  it("finds a message by eventId and refuses a second message with the same eventId (409)", async () => {
    const first = await herald.svix.message.create(appId, {
      eventType: "order.paid",
      payload: { n: 1 },
      eventId: "order-42",
    });
    expect((await herald.svix.message.get(appId, "order-42")).id).toBe(first.id);

    const duplicate = await apiError(
      herald.svix.message.create(appId, { eventType: "order.paid", payload: { n: 2 }, eventId: "order-42" }),
    );
    expect(duplicate.code).toBe(409);
    expect(duplicate.body).toMatchObject({ code: "conflict" });

    // Another application may use the same eventId.
    const other = await newApp("Other");
    await expect(
      herald.svix.message.create(other, { eventType: "order.paid", payload: {}, eventId: "order-42" }),
    ).resolves.toBeDefined();
  });

  it("lists newest first with keyset pagination", async () => {
    const app = await newApp("Paging");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await herald.svix.message.create(app, { eventType: "page.test", payload: { i } })).id);
      await nextIdTick();
    }
    const newestFirst = [...ids].reverse();

    const first = await herald.svix.message.list(app, { limit: 2 });
    expect(first.data.map((m) => m.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.done).toBe(false);
    expect(first.iterator).toBe(newestFirst[1]);
    const second = await herald.svix.message.list(app, { limit: 2, iterator: first.iterator ?? undefined });
    expect(second.data.map((m) => m.id)).toEqual(newestFirst.slice(2, 4));
    const third = await herald.svix.message.list(app, { limit: 2, iterator: second.iterator ?? undefined });
    expect(third.data.map((m) => m.id)).toEqual(newestFirst.slice(4));
    expect(third.done).toBe(true);

    const empty = await herald.svix.message.list(await newApp("Empty"));
    expect(empty).toMatchObject({ data: [], iterator: null, done: true });

    const wrongIterator = await rawCall(herald, "GET", `/api/v1/app/${app}/msg?iterator=ep_123`);
    expect(wrongIterator.status).toBe(422);
    expect((await rawCall(herald, "GET", `/api/v1/app/${app}/msg?limit=251`)).status).toBe(422);
  });

  it("lists with content by default and without it when asked", async () => {
    const app = await newApp("Content");
    await herald.svix.message.create(app, { eventType: "c.t", payload: { kept: true } });
    expect((await rawCall(herald, "GET", `/api/v1/app/${app}/msg`)).json).toMatchObject({
      data: [{ payload: { kept: true } }],
    });
    expect((await herald.svix.message.list(app)).data[0]?.payload).toEqual({});
    expect((await herald.svix.message.list(app, { withContent: true })).data[0]?.payload).toEqual({
      kept: true,
    });
  });

  it("filters the list by channel, event types (comma list, repeated, []) and time", async () => {
    const app = await newApp("Filters");
    const a = await herald.svix.message.create(app, { eventType: "t.a", payload: {}, channels: ["red"] });
    await nextIdTick();
    const b = await herald.svix.message.create(app, {
      eventType: "t.b",
      payload: {},
      channels: ["blue", "red"],
    });
    await nextIdTick();
    const c = await herald.svix.message.create(app, { eventType: "t.c", payload: {} });
    const ids = async (query: string): Promise<string[]> => {
      const response = await rawCall(herald, "GET", `/api/v1/app/${app}/msg?${query}`);
      expect(response.status).toBe(200);
      return (response.json as { data: { id: string }[] }).data.map((m) => m.id);
    };
    expect(await ids("channel=red")).toEqual([b.id, a.id]);
    expect(await ids("channel=blue")).toEqual([b.id]);
    expect(
      (await herald.svix.message.list(app, { eventTypes: ["t.a", "t.c"] })).data.map((m) => m.id),
    ).toEqual([c.id, a.id]);
    expect(await ids("event_types=t.b&event_types=t.c")).toEqual([c.id, b.id]);
    expect(await ids("event_types[]=t.a")).toEqual([a.id]);
    expect(
      await ids(`before=${encodeURIComponent(new Date(b.timestamp.getTime()).toISOString())}`),
    ).not.toContain(c.id);
    expect(await ids(`after=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(await ids(`before=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([
      c.id,
      b.id,
      a.id,
    ]);
    expect(
      (await herald.svix.message.list(app, { before: new Date(a.timestamp.getTime() - 10_000) })).data,
    ).toEqual([]);
    expect((await rawCall(herald, "GET", `/api/v1/app/${app}/msg?before=yesterday`)).status).toBe(422);
    expect((await rawCall(herald, "GET", `/api/v1/app/${app}/msg?event_types=bad%20name`)).status).toBe(422);
  });

  it("expunges a message's content (204): later reads show {expired: true}", async () => {
    const message = await herald.svix.message.create(appId, {
      eventType: "secret.thing",
      payload: { ssn: "123" },
      eventId: "to-expunge",
    });
    await herald.svix.message.expungeContent(appId, "to-expunge");
    expect((await herald.svix.message.get(appId, message.id, { withContent: true })).payload).toEqual({
      expired: true,
    });
    expect((await herald.svix.message.get(appId, message.id)).payload).toEqual({});
    expect((await rawCall(herald, "DELETE", `/api/v1/app/${appId}/msg/msg_nope/content`)).status).toBe(404);
  });

  it("keeps the payload for the retention asked for, in days or hours", async () => {
    const app = await herald.svix.application.get(appId);
    const inHours = await herald.svix.message.create(appId, {
      eventType: "short.lived",
      payload: { a: 1 },
      payloadRetentionHours: 2,
    });
    const inDays = await herald.svix.message.create(appId, {
      eventType: "short.lived",
      payload: { a: 1 },
      payloadRetentionPeriod: 5,
    });
    const byDefault = await herald.svix.message.create(appId, {
      eventType: "short.lived",
      payload: { a: 1 },
    });
    const expiry = async (id: string): Promise<number> =>
      ((await herald.store.getMessage(app.id as ApplicationId, id))?.payloadExpiresAt ?? 0) - Date.now();
    expect(await expiry(inHours.id)).toBeGreaterThan(2 * HOUR_MS - 60_000);
    expect(await expiry(inHours.id)).toBeLessThanOrEqual(2 * HOUR_MS);
    expect(await expiry(inDays.id)).toBeGreaterThan(5 * 24 * HOUR_MS - 60_000);
    expect(await expiry(byDefault.id)).toBeGreaterThan(89 * 24 * HOUR_MS);

    clockOffset = 3 * HOUR_MS;
    try {
      expect((await herald.svix.message.get(appId, inHours.id, { withContent: true })).payload).toEqual({
        expired: true,
      });
      expect((await herald.svix.message.get(appId, inDays.id, { withContent: true })).payload).toEqual({
        a: 1,
      });
    } finally {
      clockOffset = 0;
    }
  });
});
