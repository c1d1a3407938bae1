import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import { aesGcmCipher } from "../../src/lib/secret-box.js";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { Store } from "../../src/store/store.js";
import { BACKENDS, openTestStore, TEST_SECRET_KEY, type TestDatabase } from "../helpers/databases.js";
import { aMessage, aSecret, anApplication, anEndpoint, T0 } from "./builders.js";

/** Resolves once `count()` reaches `wanted`, or rejects after a while. */
async function until(count: () => number, wanted: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (count() < wanted) {
    if (Date.now() > deadline) throw new Error(`expected ${wanted} wake-ups, got ${count()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!BACKENDS.includes("postgres"))("queue wake-ups across processes (postgres)", () => {
  let store: Store;
  let database: TestDatabase;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, database, cleanup } = await openTestStore("postgres"));
  });
  afterAll(() => cleanup());

  it("notifies another store on the same schema when deliveries are queued, until unsubscribed", async () => {
    expect(store.capabilities).toEqual({ sharedQueue: true, crossProcessWakeups: true });
    const listener = openPostgresStore({
      url: database.databaseUrl ?? "",
      cipher: aesGcmCipher(TEST_SECRET_KEY),
    });
    let wakeups = 0;
    try {
      const stop = await listener.listenForQueuedWork(() => wakeups++);
      const app = anApplication();
      await store.createApplication(app);
      // No endpoint yet: accepting queues nothing and wakes nobody.
      await store.acceptMessages([{ message: aMessage(app.id), idempotencyKey: null }], T0);
      const endpoint = anEndpoint(app.id);
      await store.createEndpoint(endpoint, aSecret());
      const message = aMessage(app.id);
      await store.acceptMessages([{ message, idempotencyKey: null }], T0);
      await until(() => wakeups, 1);
      expect(wakeups).toBe(1);

      await store.enqueueManualDeliveries(
        [{ appId: app.id, messageId: message.id, endpointId: endpoint.id }],
        T0,
      );
      await until(() => wakeups, 2);

      // A Herald on another schema of the same database does not wake this one.
      const elsewhere = await openTestStore("postgres");
      try {
        const otherApp = anApplication();
        await elsewhere.store.createApplication(otherApp);
        await elsewhere.store.createEndpoint(anEndpoint(otherApp.id), aSecret());
        await elsewhere.store.acceptMessages([{ message: aMessage(otherApp.id), idempotencyKey: null }], T0);
      } finally {
        await elsewhere.cleanup();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(wakeups).toBe(2);

      await stop();
      await store.enqueueManualDeliveries(
        [{ appId: app.id, messageId: message.id, endpointId: newId("endpoint") }],
        T0,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(wakeups).toBe(2);
    } finally {
      await listener.close();
    }
  });

  it("does not notify a store of its own commits (its process wakes its engine itself)", async () => {
    let own = 0;
    const stop = await store.listenForQueuedWork?.(() => own++);
    const other = openPostgresStore({
      url: database.databaseUrl ?? "",
      cipher: aesGcmCipher(TEST_SECRET_KEY),
    });
    try {
      const app = anApplication();
      await store.createApplication(app);
      await store.createEndpoint(anEndpoint(app.id), aSecret());
      await store.acceptMessages([{ message: aMessage(app.id), idempotencyKey: null }], T0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(own).toBe(0);
      // Another store on the same schema (another Herald process) is heard.
      await other.acceptMessages([{ message: aMessage(app.id), idempotencyKey: null }], T0);
      await until(() => own, 1);
    } finally {
      await stop?.();
      await other.close();
    }
  });
});
