import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, type ApplicationId, type EndpointId } from "../../src/domain/ids.js";
import type { Message } from "../../src/domain/types.js";
import type { AcceptRequest, MessageListFilter, Store } from "../../src/store/store.js";
import { BACKENDS, openStoreOn, openTestStore, type TestDatabase } from "../helpers/databases.js";
import { aMessage, aSecret, anApplication, anEndpoint, T0 } from "./builders.js";
import { rawRows } from "./raw.js";

const HOUR = 3_600_000;
const accept = (message: Message, idempotencyKey: string | null = null): AcceptRequest => ({
  message,
  idempotencyKey,
});

describe.each(BACKENDS)("acceptMessages (%s)", (backend) => {
  let store: Store;
  let database: TestDatabase;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, database, cleanup } = await openTestStore(backend));
  });
  afterAll(() => cleanup());

  async function newApp(): Promise<ApplicationId> {
    const app = anApplication();
    await store.createApplication(app);
    return app.id;
  }

  async function deliveryTargets(messageId: string): Promise<string[]> {
    const rows = await rawRows<{
      endpoint_id: string;
      status: number;
      trigger: number;
      attempt_count: number;
    }>(
      database,
      `SELECT endpoint_id, status, "trigger", attempt_count FROM deliveries WHERE message_id = '${messageId}'`,
    );
    for (const row of rows) expect(row).toMatchObject({ status: 1, trigger: 0, attempt_count: 0 });
    return rows.map((row) => row.endpoint_id).sort();
  }

  it("stores the message with its exact payload text and fans out to every matching endpoint", async () => {
    const appId = await newApp();
    const e = (overrides: Parameters<typeof anEndpoint>[1]) => anEndpoint(appId, overrides);
    const all = e({});
    const byType = e({ eventTypes: ["user.created", "other"] });
    const wrongType = e({ eventTypes: ["other"] });
    const byChannel = e({ channels: ["eu", "us"] });
    const wrongChannel = e({ channels: ["asia"] });
    const disabled = e({ disabled: true });
    const deleted = e({});
    for (const endpoint of [all, byType, wrongType, byChannel, wrongChannel, disabled, deleted]) {
      await store.createEndpoint(endpoint, aSecret());
    }
    await store.deleteEndpoint(appId, deleted.id, T0);
    const otherApp = await newApp();
    await store.createEndpoint(anEndpoint(otherApp), aSecret());

    const message = aMessage(appId, { channels: ["us"], payload: '{ "exact" :  [1,2 ] }' });
    const [result] = await store.acceptMessages([accept(message)], T0);
    expect(result).toEqual({ kind: "accepted", message, deliveries: 3 });
    expect(await store.getMessage(appId, message.id)).toEqual(message);
    expect(await deliveryTargets(message.id)).toEqual([all.id, byType.id, byChannel.id].sort());

    // A message without channels does not reach an endpoint that filters on channels.
    const noChannels = aMessage(appId);
    const [second] = await store.acceptMessages([accept(noChannels)], T0);
    expect(second).toMatchObject({ kind: "accepted", deliveries: 2 });
    expect(await deliveryTargets(noChannels.id)).toEqual([all.id, byType.id].sort());
  });

  it("onlyEndpointId targets one endpoint regardless of its filters", async () => {
    const appId = await newApp();
    const filtered = anEndpoint(appId, { eventTypes: ["never"], channels: ["nowhere"] });
    await store.createEndpoint(filtered, aSecret());
    await store.createEndpoint(anEndpoint(appId), aSecret());
    const message = aMessage(appId);
    const [result] = await store.acceptMessages([{ ...accept(message), onlyEndpointId: filtered.id }], T0);
    expect(result).toMatchObject({ kind: "accepted", deliveries: 1 });
    expect(await deliveryTargets(message.id)).toEqual([filtered.id]);
  });

  it("rejects a duplicate eventId within one batch and across batches, without failing the rest", async () => {
    const appId = await newApp();
    const otherApp = await newApp();
    await store.createEndpoint(anEndpoint(appId), aSecret());
    const first = aMessage(appId, { eventId: "evt-1" });
    const results = await store.acceptMessages(
      [
        accept(first),
        accept(aMessage(appId, { eventId: "evt-1" })),
        accept(aMessage(otherApp, { eventId: "evt-1" })),
        accept(aMessage(appId, { eventId: "evt-2" })),
      ],
      T0,
    );
    expect(results.map((r) => r.kind)).toEqual(["accepted", "duplicate_event_id", "accepted", "accepted"]);

    const again = await store.acceptMessages(
      [accept(aMessage(appId, { eventId: "evt-2" })), accept(aMessage(appId, { eventId: "evt-3" }))],
      T0,
    );
    expect(again.map((r) => r.kind)).toEqual(["duplicate_event_id", "accepted"]);
    expect(await store.getMessage(appId, "evt-1")).toEqual(first);
    expect(await store.getMessage(otherApp, "evt-1")).not.toBeNull();
  });

  it("replays a message whose idempotency key was used within 12 hours", async () => {
    const appId = await newApp();
    await store.createEndpoint(anEndpoint(appId), aSecret());
    const original = aMessage(appId);
    const [first] = await store.acceptMessages([accept(original, "key-A")], T0);
    expect(first).toMatchObject({ kind: "accepted", deliveries: 1 });

    const retry = aMessage(appId, {}, T0 + HOUR);
    const [replayed] = await store.acceptMessages([accept(retry, "key-A")], T0 + HOUR);
    expect(replayed).toEqual({ kind: "replayed", message: original });
    expect(await store.getMessage(appId, retry.id)).toBeNull();

    // Within one batch, the second use of a key replays the first.
    const a = aMessage(appId);
    const results = await store.acceptMessages([accept(a, "key-B"), accept(aMessage(appId), "key-B")], T0);
    expect(results).toEqual([
      { kind: "accepted", message: a, deliveries: 1 },
      { kind: "replayed", message: a },
    ]);

    // After the window the key is free: a new message is accepted and takes it over.
    const later = T0 + 13 * HOUR;
    const fresh = aMessage(appId, {}, later);
    const [afterWindow] = await store.acceptMessages([accept(fresh, "key-A")], later);
    expect(afterWindow).toMatchObject({ kind: "accepted", message: fresh });
    const [replayOfFresh] = await store.acceptMessages(
      [accept(aMessage(appId, {}, later), "key-A")],
      later + 1,
    );
    expect(replayOfFresh).toEqual({ kind: "replayed", message: fresh });
  });

  it("writes each batch in one transaction and counts the accepted messages", async () => {
    const appId = await newApp();
    for (let i = 0; i < 3; i++) await store.createEndpoint(anEndpoint(appId), aSecret());
    const before = { ...store.metrics };
    const batch = Array.from({ length: 50 }, () => accept(aMessage(appId)));
    batch.push(accept(aMessage(appId, { eventId: "dup" })), accept(aMessage(appId, { eventId: "dup" })));
    const results = await store.acceptMessages(batch, T0);
    expect(results.filter((r) => r.kind === "accepted")).toHaveLength(51);
    expect(store.metrics.acceptTransactions - before.acceptTransactions).toBe(1);
    expect(store.metrics.acceptedMessages - before.acceptedMessages).toBe(51);
    const [row] = await rawRows<{ n: number | string }>(
      database,
      `SELECT count(*) AS n FROM deliveries WHERE app_id = '${appId}'`,
    );
    expect(Number(row?.n)).toBe(153);
  });

  it("accepts messages of several applications in one batch", async () => {
    const apps = [await newApp(), await newApp()];
    const endpoints: EndpointId[] = [];
    for (const appId of apps) {
      const endpoint = anEndpoint(appId);
      await store.createEndpoint(endpoint, aSecret());
      endpoints.push(endpoint.id);
    }
    const messages = apps.map((appId) => aMessage(appId));
    const results = await store.acceptMessages(
      messages.map((m) => accept(m)),
      T0,
    );
    expect(results.map((r) => r.kind === "accepted" && r.deliveries)).toEqual([1, 1]);
    expect(await deliveryTargets(messages[0]!.id)).toEqual([endpoints[0]]);
    expect(await deliveryTargets(messages[1]!.id)).toEqual([endpoints[1]]);
  });

  it("resolves races between two store instances: one message per eventId or idempotency key", async () => {
    const appId = await newApp();
    await store.createEndpoint(anEndpoint(appId), aSecret());
    const other = openStoreOn(database);
    try {
      for (let round = 0; round < 10; round++) {
        const a = aMessage(appId, { eventId: `race-${round}` });
        const b = aMessage(appId, { eventId: `race-${round}` });
        const c = aMessage(appId);
        const d = aMessage(appId);
        const filler = () => Array.from({ length: 20 }, () => accept(aMessage(appId)));
        const [mine, theirs] = await Promise.all([
          store.acceptMessages([...filler(), accept(a), accept(c, `race-key-${round}`)], T0),
          other.acceptMessages([...filler(), accept(b), accept(d, `race-key-${round}`)], T0),
        ]);
        const byEventId = [mine.at(-2), theirs.at(-2)].map((r) => r?.kind).sort();
        expect(byEventId).toEqual(["accepted", "duplicate_event_id"]);
        const byKey = [mine.at(-1), theirs.at(-1)];
        expect(byKey.map((r) => r?.kind).sort()).toEqual(["accepted", "replayed"]);
        const winner = byKey.find((r) => r?.kind === "accepted");
        const replay = byKey.find((r) => r?.kind === "replayed");
        expect(replay?.kind === "replayed" && replay.message.id).toBe(
          winner?.kind === "accepted" && winner.message.id,
        );
        // Everything else of both batches went in.
        expect([...mine.slice(0, 20), ...theirs.slice(0, 20)].every((r) => r.kind === "accepted")).toBe(true);
      }
      const [row] = await rawRows<{ n: number | string }>(
        database,
        `SELECT count(*) AS n FROM messages WHERE app_id = '${appId}' AND event_id LIKE 'race-%'`,
      );
      expect(Number(row?.n)).toBe(10);
    } finally {
      await other.close();
    }
  });

  it("interleaves with concurrent CRUD transactions without errors", async () => {
    const appId = await newApp();
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(store.createEndpoint(anEndpoint(appId), aSecret()));
      work.push(store.acceptMessages([accept(aMessage(appId))], T0));
      work.push(store.rotateEndpointSecret(newId("endpoint"), aSecret(), T0, T0));
    }
    await Promise.all(work);
    expect(
      (await store.listEndpoints(appId, { limit: 50, order: "asc", cursor: null, backward: false })).items,
    ).toHaveLength(20);
  });

  describe("listing messages", () => {
    let appId: ApplicationId;
    const ids: string[] = [];

    beforeAll(async () => {
      appId = await newApp();
      const specs = [
        { eventType: "a", channels: ["eu"] },
        { eventType: "b", channels: ["us", "eu"] },
        { eventType: "a", channels: null },
        { eventType: "c", channels: ["us"] },
      ];
      const batch = specs.map((spec, i) => accept(aMessage(appId, spec, T0 + i * 60_000)));
      await store.acceptMessages(batch, T0);
      ids.push(...batch.map((b) => b.message.id));
    });

    const newest = (limit = 10, cursor: string | null = null) => ({
      limit,
      order: "desc" as const,
      cursor,
      backward: false,
    });
    const noFilter: MessageListFilter = { channel: null, eventTypes: null, before: null, after: null };

    it("lists newest first and pages", async () => {
      const page = await store.listMessages(appId, noFilter, newest(3));
      expect(page.items.map((m) => m.id)).toEqual([ids[3], ids[2], ids[1]]);
      expect(page.done).toBe(false);
      const next = await store.listMessages(appId, noFilter, newest(3, ids[1]!));
      expect(next.items.map((m) => m.id)).toEqual([ids[0]]);
      expect(next.done).toBe(true);
    });

    it("filters by channel, event types and time window", async () => {
      const list = async (filter: Partial<MessageListFilter>) =>
        (await store.listMessages(appId, { ...noFilter, ...filter }, newest())).items.map((m) => m.id);
      expect(await list({ channel: "eu" })).toEqual([ids[1], ids[0]]);
      expect(await list({ channel: "e" })).toEqual([]);
      expect(await list({ eventTypes: ["a", "c"] })).toEqual([ids[3], ids[2], ids[0]]);
      expect(await list({ before: T0 + 120_000 })).toEqual([ids[1], ids[0]]);
      expect(await list({ after: T0 + 60_000 })).toEqual([ids[3], ids[2]]);
      expect(await list({ after: T0, before: T0 + 180_000 })).toEqual([ids[2], ids[1]]);
    });

    it("expunges a payload", async () => {
      await store.expungeMessageContent(appId, ids[0] as never);
      expect((await store.getMessage(appId, ids[0]!))?.payload).toBeNull();
      expect((await store.getMessage(appId, ids[1]!))?.payload).not.toBeNull();
    });

    it("does not find another application's message", async () => {
      const otherApp = await newApp();
      expect(await store.getMessage(otherApp, ids[0]!)).toBeNull();
      expect(await store.getMessage(appId, newId("message"))).toBeNull();
    });
  });
});
