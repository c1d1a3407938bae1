/**
 * The health views' store methods (sums of `endpoint_stats`, latest attempt per endpoint, messages by event
 * type), the latency histogram the outcome batches upsert, the request headers kept with each attempt, and
 * migration 0002 over a database that already holds data.
 */
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_BUCKETS } from "../../src/domain/delivery-stats.js";
import { newId, type ApplicationId, type EndpointId } from "../../src/domain/ids.js";
import { MessageStatus, TriggerType, type Endpoint, type Message } from "../../src/domain/types.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import type {
  AttemptListFilter,
  ClaimedDelivery,
  DeliveryOutcome,
  LoggedRequestHeaders,
  Store,
} from "../../src/store/store.js";
import {
  BACKENDS,
  createTestDatabase,
  openStoreOn,
  openTestStore,
  type Backend,
  type TestDatabase,
} from "../helpers/databases.js";
import { aMessage, anApplication, anAttempt, anEndpoint, anOutcome, aSecret, T0 } from "./builders.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LEASE = 30_000;

/** A histogram with `count` attempts in bucket `index` for each [index, count]. */
function histogram(...entries: [number, number][]): number[] {
  const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const [index, count] of entries) counts[index] = count;
  return counts;
}

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
const newestFirst = { limit: 50, order: "desc" as const, cursor: null, backward: false };

describe.each(BACKENDS)("delivery stats (%s)", (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let appId: ApplicationId;
  let otherAppId: ApplicationId;
  /** e0, e1, e2 in creation order. */
  let endpoints: Endpoint[];
  let messages: Message[];
  let claimed: ClaimedDelivery[];
  const sentHeaders: LoggedRequestHeaders = {
    "content-type": "application/json",
    Authorization: "********",
    "webhook-id": "msg_x",
    "user-agent": "Herald/test",
  };

  afterAll(() => cleanup());

  /** The outcome of message `m` to endpoint `e`, attempted at `time`. */
  function outcome(
    m: number,
    e: number,
    time: number,
    exchange: { ok: boolean; durationMs: number },
  ): DeliveryOutcome {
    const item = claimed.find((c) => c.message.id === messages[m]!.id && c.endpoint.id === endpoints[e]!.id)!;
    return anOutcome(
      item.delivery,
      {
        attempt: {
          eventType: item.message.eventType,
          status: exchange.ok ? MessageStatus.Success : MessageStatus.Fail,
          responseStatusCode: exchange.ok ? 200 : 500,
          responseDurationMs: exchange.durationMs,
        },
      },
      time,
    );
  }

  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(backend));
    const app = anApplication();
    const other = anApplication();
    await store.createApplication(app);
    await store.createApplication(other);
    appId = app.id;
    otherAppId = other.id;
    endpoints = [];
    for (let i = 0; i < 3; i++) {
      const endpoint = anEndpoint(appId, {}, T0 + i);
      await store.createEndpoint(endpoint, aSecret());
      endpoints.push(endpoint);
    }
    const otherEndpoint = anEndpoint(otherAppId);
    await store.createEndpoint(otherEndpoint, aSecret());

    messages = [
      aMessage(appId, { eventType: "user.created" }, T0),
      aMessage(appId, { eventType: "order.paid" }, T0 + 90_000),
    ];
    for (const message of messages)
      await store.acceptMessages([{ message, idempotencyKey: null }], message.createdAt);
    const otherMessage = aMessage(otherAppId, {}, T0 + 1_000);
    await store.acceptMessages([{ message: otherMessage, idempotencyKey: null }], T0 + 1_000);
    claimed = await store.claimDueDeliveries(100, T0 + 3 * MINUTE, T0 + 3 * MINUTE + LEASE);
    // A third message, accepted after the claim: counted by event type, never attempted.
    const late = aMessage(appId, { eventType: "user.created" }, T0 + 100_000);
    await store.acceptMessages([{ message: late, idempotencyKey: null }], T0 + 3 * MINUTE);
    messages.push(late);

    const minute3 = T0 + 3 * MINUTE;
    const first = outcome(0, 0, minute3, { ok: true, durationMs: 10 });
    first.attempt.requestHeaders = sentHeaders;
    const otherItem = claimed.find((c) => c.message.id === otherMessage.id)!;
    await store.completeDeliveries(
      [
        first,
        outcome(0, 1, minute3, { ok: false, durationMs: 300 }),
        outcome(0, 2, minute3, { ok: true, durationMs: 40 }),
        anOutcome(otherItem.delivery, { attempt: { responseDurationMs: 5 } }, minute3),
      ],
      minute3,
    );
    // The same minute again: the upsert adds to the counters and keeps the larger maximum.
    await store.completeDeliveries(
      [
        outcome(1, 0, minute3 + 30_000, { ok: true, durationMs: 20 }),
        outcome(1, 1, minute3 + 30_000, { ok: false, durationMs: 45_000 }),
      ],
      minute3 + 30_000,
    );
    await store.completeDeliveries(
      [outcome(1, 2, T0 + 64 * MINUTE, { ok: true, durationMs: 2_000 })],
      T0 + 64 * MINUTE,
    );
  });

  it("sums an application's minutes into series buckets, histogram and maximum included", async () => {
    const buckets = await store.sumStatsByBucket(appId, null, { since: T0, until: T0 + 2 * HOUR }, HOUR);
    expect(buckets).toEqual([
      {
        bucketStart: T0,
        counts: {
          successes: 3,
          failures: 2,
          latencySumMs: 10 + 300 + 40 + 20 + 45_000,
          latencyMaxMs: 45_000,
          latencyHistogram: histogram([0, 2], [1, 1], [4, 1], [10, 1]),
        },
      },
      {
        bucketStart: T0 + HOUR,
        counts: {
          successes: 1,
          failures: 0,
          latencySumMs: 2_000,
          latencyMaxMs: 2_000,
          latencyHistogram: histogram([6, 1]),
        },
      },
    ]);
  });

  it("narrows to one endpoint, and to the minutes whose start lies in the window", async () => {
    const all = { since: T0, until: T0 + 2 * HOUR };
    expect(await store.sumStatsByBucket(appId, endpoints[1]!.id, all, HOUR)).toEqual([
      {
        bucketStart: T0,
        counts: {
          successes: 0,
          failures: 2,
          latencySumMs: 45_300,
          latencyMaxMs: 45_000,
          latencyHistogram: histogram([4, 1], [10, 1]),
        },
      },
    ]);
    const minute3 = T0 + 3 * MINUTE;
    const oneMinute = await store.sumStatsByBucket(appId, null, { since: minute3, until: minute3 }, MINUTE);
    expect(oneMinute.map((b) => [b.bucketStart, b.counts.successes + b.counts.failures])).toEqual([
      [minute3, 5],
    ]);
    expect(
      await store.sumStatsByBucket(appId, null, { since: T0 + 4 * MINUTE, until: T0 + 63 * MINUTE }, MINUTE),
    ).toEqual([]);
  });

  it("never counts another application's endpoints", async () => {
    const all = { since: T0, until: T0 + 2 * HOUR };
    const [otherBucket] = await store.sumStatsByBucket(otherAppId, null, all, HOUR);
    expect(otherBucket?.counts.successes).toBe(1);
    // An endpoint id of another application counts nothing.
    expect(await store.sumStatsByBucket(otherAppId, endpoints[0]!.id, all, HOUR)).toEqual([]);
  });

  it("sums per endpoint", async () => {
    const rows = await store.sumStatsByEndpoint(appId, { since: T0, until: T0 + 2 * HOUR });
    const byIndex = rows.map((row) => [
      endpoints.findIndex((e) => e.id === row.endpointId),
      row.counts.successes,
      row.counts.failures,
      row.counts.latencyMaxMs,
      row.counts.latencyHistogram,
    ]);
    expect(byIndex.sort()).toEqual(
      [
        [0, 2, 0, 20, histogram([0, 2])],
        [1, 0, 2, 45_000, histogram([4, 1], [10, 1])],
        [2, 2, 0, 2_000, histogram([1, 1], [6, 1])],
      ].sort(),
    );
  });

  it("counts the window's messages by event type, most frequent first, exact to the millisecond", async () => {
    expect(await store.countMessagesByEventType(appId, T0, T0 + 2 * HOUR)).toEqual([
      { eventType: "user.created", count: 2 },
      { eventType: "order.paid", count: 1 },
    ]);
    expect(await store.countMessagesByEventType(appId, T0 + 1, T0 + 2 * HOUR)).toEqual([
      { eventType: "order.paid", count: 1 },
      { eventType: "user.created", count: 1 },
    ]);
    expect(await store.countMessagesByEventType(appId, T0, T0)).toEqual([
      { eventType: "user.created", count: 1 },
    ]);
    expect(await store.countMessagesByEventType(otherAppId, T0, T0 + 2 * HOUR)).toEqual([
      { eventType: "user.created", count: 1 },
    ]);
  });

  it("keeps the request headers with the attempt, also through an expunge", async () => {
    const log = await store.listAttempts(appId, { ...noFilter, endpointId: endpoints[0]!.id }, newestFirst);
    expect(log.items.map((a) => a.requestHeaders)).toEqual([null, sentHeaders]);
    const recorded = log.items[1]!;
    await store.expungeAttemptContent(appId, recorded.messageId, recorded.id);
    const expunged = await store.getAttempt(appId, recorded.messageId, recorded.id);
    expect(expunged).toMatchObject({ response: "EXPUNGED", requestHeaders: sentHeaders });
  });

  it("records the request headers of a test send", async () => {
    const message = aMessage(appId, { eventType: "svix.ping" }, T0 + 5 * HOUR);
    const attempt = {
      ...anAttempt(
        { id: newId("delivery", T0), appId, messageId: message.id, endpointId: endpoints[0]!.id },
        { trigger: TriggerType.Manual },
        T0 + 5 * HOUR,
      ),
      requestHeaders: sentHeaders,
    };
    await store.recordSentMessage(message, attempt, T0 + 5 * HOUR);
    expect((await store.getAttempt(appId, message.id, attempt.id))?.requestHeaders).toEqual(sentHeaders);
  });

  // Last: it deletes an endpoint and adds one.
  it("gives each live endpoint's latest attempt; deleted endpoints still count in the sums", async () => {
    const latestBefore = await store.latestAttemptPerEndpoint(appId);
    const attemptsOf = async (endpointId: EndpointId) =>
      (await store.listAttempts(appId, { ...noFilter, endpointId }, newestFirst)).items;
    for (const endpoint of endpoints) {
      const [newest] = await attemptsOf(endpoint.id);
      expect(latestBefore.find((a) => a.endpointId === endpoint.id)).toEqual({
        id: newest!.id,
        messageId: newest!.messageId,
        endpointId: endpoint.id,
        status: newest!.status,
        responseStatusCode: newest!.responseStatusCode,
        createdAt: newest!.createdAt,
      });
    }
    expect(latestBefore).toHaveLength(3);

    const unused = anEndpoint(appId, {}, T0 + 10);
    await store.createEndpoint(unused, aSecret());
    await store.deleteEndpoint(appId, endpoints[2]!.id, T0 + 6 * HOUR);
    const latestAfter = await store.latestAttemptPerEndpoint(appId);
    expect(latestAfter.map((a) => a.endpointId).sort()).toEqual([endpoints[0]!.id, endpoints[1]!.id].sort());
    const sums = await store.sumStatsByEndpoint(appId, { since: T0, until: T0 + 2 * HOUR });
    expect(sums.map((row) => row.endpointId)).toContain(endpoints[2]!.id);
    const [first] = await store.sumStatsByBucket(appId, null, { since: T0, until: T0 + 2 * HOUR }, HOUR);
    expect(first?.counts.successes).toBe(3);
  });
});

/** Runs SQL on a test database directly (the store has no way to stop between migrations). */
async function execRaw(database: TestDatabase, statements: string): Promise<void> {
  if (database.sqliteFile !== null) {
    const db = new BetterSqlite3(database.sqliteFile);
    try {
      db.exec(statements);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: database.databaseUrl ?? "" });
  await client.connect();
  try {
    await client.query(statements);
  } finally {
    await client.end();
  }
}

const migrationsOf = (backend: Backend) => (backend === "sqlite" ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS);

describe.each(BACKENDS)("migration 0002 over existing data (%s)", (backend) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it("leaves older attempts without headers and older minutes with an empty histogram", async () => {
    database = await createTestDatabase(backend);
    const [initial] = migrationsOf(backend);
    // The schema as 0001 left it, with one attempt and one minute of counters recorded back then.
    await execRaw(
      database,
      `${initial!.sql}
      CREATE TABLE herald_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL);
      INSERT INTO herald_migrations (id, applied_at) VALUES ('${initial!.id}', 0);
      INSERT INTO applications (id, name, metadata, created_at, updated_at) VALUES ('app_1', 'A', '{}', 0, 0);
      INSERT INTO endpoints (id, app_id, name, url, description, disabled, headers, metadata, version,
        payload_format, signature, timeout_seconds, created_at, updated_at)
        VALUES ('ep_1', 'app_1', '', 'https://x.example', '', 0, '{}', '{}', 1, 'json', '{"scheme":"none"}', 15, 0, 0);
      INSERT INTO attempts (id, app_id, message_id, endpoint_id, delivery_id, event_type, url, status,
        response_status_code, response, response_duration_ms, "trigger", attempt_number, created_at)
        VALUES ('atmpt_1', 'app_1', 'msg_1', 'ep_1', 'dlv_1', 'a', 'https://x.example', 0, 200, 'ok', 12, 0, 1, ${T0});
      INSERT INTO endpoint_stats (endpoint_id, bucket_start, successes, failures, latency_sum_ms)
        VALUES ('ep_1', ${T0}, 4, 1, 100);`,
    );
    const store = openStoreOn(database);
    try {
      expect(await store.migrate()).toEqual(
        migrationsOf(backend)
          .slice(1)
          .map((m) => m.id),
      );
      const appId = "app_1" as ApplicationId;
      const [attempt] = (await store.listAttempts(appId, noFilter, newestFirst)).items;
      expect(attempt).toMatchObject({ id: "atmpt_1", requestHeaders: null });
      expect(await store.sumStatsByBucket(appId, null, { since: T0, until: T0 }, MINUTE)).toEqual([
        {
          bucketStart: T0,
          counts: {
            successes: 4,
            failures: 1,
            latencySumMs: 100,
            latencyMaxMs: 0,
            latencyHistogram: histogram(),
          },
        },
      ]);
    } finally {
      await store.close();
    }
  });
});
