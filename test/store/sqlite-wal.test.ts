/**
 * The SQLite store's WAL handling, on real files: accepted messages are synced off the event loop before
 * acceptMessages resolves (sqlite/wal-sync.ts), an accept's leased deliveries go to the engine without waiting for
 * that sync, and a sync that fails stops accepting.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApplicationId } from "../../src/domain/ids.js";
import type { ClaimedDelivery } from "../../src/store/store.js";
import { aesGcmCipher } from "../../src/lib/secret-box.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { TEST_SECRET_KEY } from "../helpers/databases.js";
import { aMessage, anApplication, anEndpoint, aSecret, T0 } from "./builders.js";

function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "warn" }, destination), lines };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "herald-wal-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("SQLite store: accepted messages are synced before acceptMessages resolves", () => {
  let store: SqliteStore;
  let appId: ApplicationId;

  beforeEach(async () => {
    store = openSqliteStore({ file: join(dir, "herald.db"), cipher: aesGcmCipher(TEST_SECRET_KEY) });
    await store.migrate();
    const app = anApplication();
    await store.createApplication(app);
    await store.createEndpoint(anEndpoint(app.id), aSecret());
    appId = app.id;
  });
  afterEach(() => store.close());

  const accept = () => store.acceptMessages([{ message: aMessage(appId), idempotencyKey: null }], T0);

  it("syncs the WAL once for each accept made after the last sync finished", async () => {
    const before = store.metrics.walSyncs;
    for (let i = 1; i <= 5; i++) {
      await accept();
      // Resolved only after a sync that started after its commit, and none was in flight when it committed.
      expect(store.metrics.walSyncs).toBe(before + i);
    }
    expect(store.metrics.acceptTransactions).toBe(5);
  });

  it("hands an accept's leased deliveries on at its commit, before the sync, and resolves after the sync", async () => {
    const message = aMessage(appId);
    const before = store.metrics.walSyncs;
    let syncsWhenHandedOn: number | null = null;
    let handedOn: ClaimedDelivery[] = [];
    const results = await store.acceptMessagesAndLease(
      [{ message, idempotencyKey: null }],
      T0,
      { limit: 10, leaseUntil: T0 + 30_000 },
      (leased) => {
        syncsWhenHandedOn = store.metrics.walSyncs;
        handedOn = leased;
      },
    );
    expect(handedOn.map((claimed) => claimed.message.id)).toEqual([message.id]);
    // Sending need not wait for the disk; the accept (and so the API's answer) does.
    expect(syncsWhenHandedOn).toBe(before);
    expect(store.metrics.walSyncs).toBe(before + 1);
    expect(results).toMatchObject([{ kind: "accepted" }]);
  });

  it("groups concurrent accepts: one sync covers every commit made before it started", async () => {
    const before = store.metrics.walSyncs;
    // The first commit starts a sync; the other 49 commit while it runs and share the one queued behind it.
    const results = await Promise.all(Array.from({ length: 50 }, accept));
    expect(results.flat()).toHaveLength(50);
    expect(store.metrics.walSyncs - before).toBe(2);
  });

  it("an idempotent replay waits for a sync too: the message it finds may not be synced yet", async () => {
    const message = aMessage(appId);
    const request = { message, idempotencyKey: "key-1" };
    const [first, replay] = await Promise.all([
      store.acceptMessages([request], T0),
      store.acceptMessages([{ ...request, message: aMessage(appId) }], T0),
    ]);
    expect(replay).toMatchObject([{ kind: "replayed", message: { id: message.id } }]);
    expect(first).toMatchObject([{ kind: "accepted" }]);
    // The replay wrote nothing, but joined the sync queued behind the first accept's.
    expect(store.metrics.walSyncs).toBe(2);
  });
});

describe("SQLite store: a WAL sync that fails", () => {
  it("fails that accept and every later one, before committing, and fails the health check", async () => {
    const file = join(dir, "herald.db");
    const { log, lines } = capturedLog();
    const store = openSqliteStore({ file, cipher: aesGcmCipher(TEST_SECRET_KEY), log });
    await store.migrate();
    const app = anApplication();
    await store.createApplication(app);
    await store.createEndpoint(anEndpoint(app.id), aSecret());
    // The store opens its sync handle on the first accept: with the -wal file gone, that fails as a failed
    // fsync would (SQLite keeps writing through its own descriptor).
    rmSync(`${file}-wal`);
    const accept = () => store.acceptMessages([{ message: aMessage(app.id), idempotencyKey: null }], T0);

    await expect(accept()).rejects.toThrow(/syncing the SQLite WAL failed/);
    const page = { limit: 50, order: "desc", cursor: null, backward: false } as const;
    const noFilter = { channel: null, eventTypes: null, before: null, after: null };
    const committed = (await store.listMessages(app.id, noFilter, page)).items.length;
    // Refused before its transaction: nothing more is committed, and nothing is acknowledged.
    await expect(accept()).rejects.toThrow(/syncing the SQLite WAL failed/);
    expect((await store.listMessages(app.id, noFilter, page)).items).toHaveLength(committed);
    expect(store.metrics.acceptedMessages).toBe(0);
    await expect(store.ping()).rejects.toThrow(/syncing the SQLite WAL failed/);
    expect(
      lines.filter((line) => String(line["msg"]).includes("syncing the SQLite WAL failed")),
    ).toHaveLength(1);
    await store.close();
  });
});
