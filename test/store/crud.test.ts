import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HeraldError } from "../../src/domain/errors.js";
import type { ApplicationId } from "../../src/domain/ids.js";
import type { Store } from "../../src/store/store.js";
import { BACKENDS, openTestStore, type TestDatabase } from "../helpers/databases.js";
import { aSecret, anApplication, anEndpoint, anEventType, T0 } from "./builders.js";
import { rawRows } from "./raw.js";

const asc = (limit: number, cursor: string | null = null, backward = false) =>
  ({ limit, order: "asc", cursor, backward }) as const;
const desc = (limit: number, cursor: string | null = null, backward = false) =>
  ({ limit, order: "desc", cursor, backward }) as const;

describe.each(BACKENDS)("store CRUD (%s)", (backend) => {
  let store: Store;
  let database: TestDatabase;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, database, cleanup } = await openTestStore(backend));
  });
  afterAll(() => cleanup());

  describe("applications", () => {
    it("round-trips every field and finds by id or uid", async () => {
      const app = anApplication({
        uid: "crud-round-trip",
        throttleRate: 7,
        metadata: { team: "billing" },
        retrySchedule: [1, 60],
      });
      await store.createApplication(app);
      expect(await store.getApplication(app.id)).toEqual(app);
      expect(await store.getApplication("crud-round-trip")).toEqual(app);
      expect(await store.getApplication("nope")).toBeNull();

      const updated = {
        ...app,
        name: "Renamed",
        uid: null,
        metadata: {},
        retrySchedule: null,
        updatedAt: T0 + 5,
      };
      await store.updateApplication(updated);
      expect(await store.getApplication(app.id)).toEqual(updated);
      expect(await store.getApplication("crud-round-trip")).toBeNull();
    });

    it("frees a uid on delete so that it can be reused", async () => {
      const first = anApplication({ uid: "reused-uid" });
      await store.createApplication(first);
      await expect(store.createApplication(anApplication({ uid: "reused-uid" }))).rejects.toMatchObject({
        code: "conflict",
      });
      await store.deleteApplication(first.id, T0 + 1);
      expect(await store.getApplication(first.id)).toBeNull();
      expect(await store.getApplication("reused-uid")).toBeNull();
      const second = anApplication({ uid: "reused-uid" });
      await store.createApplication(second);
      expect((await store.getApplication("reused-uid"))?.id).toBe(second.id);
    });
  });

  describe("pagination", () => {
    let appIds: string[];

    beforeAll(async () => {
      // A fresh application list: delete what other tests created, then make 5 in time order.
      for (const app of (await store.listApplications(asc(250))).items)
        await store.deleteApplication(app.id, T0);
      appIds = [];
      for (let i = 0; i < 5; i++) {
        const app = anApplication({ name: `page-${i}` }, T0 + i * 1000);
        await store.createApplication(app);
        appIds.push(app.id);
      }
    });

    it("walks forward in either order, with done on the last page", async () => {
      const first = await store.listApplications(asc(2));
      expect(first.items.map((a) => a.id)).toEqual(appIds.slice(0, 2));
      expect(first.done).toBe(false);
      const second = await store.listApplications(asc(2, appIds[1]));
      expect(second.items.map((a) => a.id)).toEqual(appIds.slice(2, 4));
      expect(second.done).toBe(false);
      const third = await store.listApplications(asc(2, appIds[3]));
      expect(third.items.map((a) => a.id)).toEqual(appIds.slice(4));
      expect(third.done).toBe(true);

      const newest = await store.listApplications(desc(3));
      expect(newest.items.map((a) => a.id)).toEqual([...appIds].reverse().slice(0, 3));
      expect(newest.done).toBe(false);
      expect((await store.listApplications(asc(5))).done).toBe(true);
    });

    it("walks backward from a cursor and returns the items in the requested order", async () => {
      const before = await store.listApplications(asc(2, appIds[3], true));
      expect(before.items.map((a) => a.id)).toEqual(appIds.slice(1, 3));
      expect(before.done).toBe(false);
      const start = await store.listApplications(asc(2, appIds[1], true));
      expect(start.items.map((a) => a.id)).toEqual(appIds.slice(0, 1));
      expect(start.done).toBe(true);

      const newerFirst = await store.listApplications(desc(2, appIds[1], true));
      expect(newerFirst.items.map((a) => a.id)).toEqual([appIds[3], appIds[2]]);
      expect(newerFirst.done).toBe(false);
    });
  });

  describe("event types", () => {
    it("round-trips, pages by name, hides archived ones unless asked", async () => {
      const schemas = { "1": { type: "object", examples: [{ a: 1 }] } };
      await store.createEventType(anEventType("b.two", { schemas, featureFlags: ["beta"], groupName: "b" }));
      await store.createEventType(anEventType("a.one"));
      await store.createEventType(anEventType("c.three", { archived: true, deprecated: true }));
      expect(await store.getEventType("b.two")).toEqual(
        anEventType("b.two", { schemas, featureFlags: ["beta"], groupName: "b" }),
      );
      await expect(store.createEventType(anEventType("a.one"))).rejects.toMatchObject({
        code: "event_type_exists",
      });

      const live = await store.listEventTypes(asc(10), false);
      expect(live.items.map((e) => e.name)).toEqual(["a.one", "b.two"]);
      const all = await store.listEventTypes(asc(2), true);
      expect(all.items.map((e) => e.name)).toEqual(["a.one", "b.two"]);
      expect(all.done).toBe(false);
      const rest = await store.listEventTypes(asc(2, "b.two"), true);
      expect(rest.items.map((e) => e.name)).toEqual(["c.three"]);
      expect(rest.done).toBe(true);

      expect((await store.findLiveEventTypeNames(["a.one", "c.three", "zzz"])).sort()).toEqual(["a.one"]);
      expect(await store.findLiveEventTypeNames([])).toEqual([]);

      await store.updateEventType(anEventType("c.three", { archived: false, description: "back" }));
      expect((await store.getEventType("c.three"))?.description).toBe("back");
      await store.deleteEventType("c.three");
      expect(await store.getEventType("c.three")).toBeNull();
    });
  });

  describe("endpoints", () => {
    let appId: ApplicationId;
    beforeAll(async () => {
      const app = anApplication();
      await store.createApplication(app);
      appId = app.id;
    });

    it("round-trips every field, scoped to the application", async () => {
      const endpoint = anEndpoint(appId, {
        uid: "ep-uid",
        name: "orders",
        description: "Orders",
        disabled: true,
        eventTypes: ["a.one", "b.two"],
        channels: ["eu"],
        headers: { "x-tenant": "7" },
        throttleRate: 10,
        metadata: { k: "v" },
        payloadFormat: "form",
        signature: {
          scheme: "hmac",
          algorithm: "sha256",
          encoding: "hex",
          header: "x-sig",
          prefix: "sha256=",
          signedContent: "body",
        },
        retrySchedule: [5, 10],
        timeoutSeconds: 30,
      });
      await store.createEndpoint(endpoint, aSecret());
      expect(await store.getEndpoint(appId, endpoint.id)).toEqual(endpoint);
      expect(await store.getEndpoint(appId, "ep-uid")).toEqual(endpoint);
      const otherApp = anApplication();
      await store.createApplication(otherApp);
      expect(await store.getEndpoint(otherApp.id, endpoint.id)).toBeNull();
      expect(await store.getEndpoint(otherApp.id, "ep-uid")).toBeNull();

      const updated = {
        ...endpoint,
        url: "https://other.example/",
        eventTypes: null,
        channels: null,
        disabled: false,
      };
      await store.updateEndpoint(updated);
      expect(await store.getEndpoint(appId, endpoint.id)).toEqual(updated);
    });

    it("keeps uids unique per application, and reusable after delete", async () => {
      const first = anEndpoint(appId, { uid: "shared-uid" });
      await store.createEndpoint(first, aSecret());
      const error = await store
        .createEndpoint(anEndpoint(appId, { uid: "shared-uid" }), aSecret())
        .catch((e) => e);
      expect(error).toBeInstanceOf(HeraldError);
      expect(error).toMatchObject({ code: "conflict", status: 409 });
      // The failed create wrote nothing (endpoint and secret are one transaction).
      const otherApp = anApplication();
      await store.createApplication(otherApp);
      await store.createEndpoint(anEndpoint(otherApp.id, { uid: "shared-uid" }), aSecret());

      await store.deleteEndpoint(appId, first.id, T0 + 1);
      expect(await store.getEndpoint(appId, first.id)).toBeNull();
      const second = anEndpoint(appId, { uid: "shared-uid" });
      await store.createEndpoint(second, aSecret());
      expect((await store.getEndpoint(appId, "shared-uid"))?.id).toBe(second.id);
    });

    it("lists live endpoints of one application, newest first", async () => {
      const app = anApplication();
      await store.createApplication(app);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const endpoint = anEndpoint(app.id, {}, T0 + i * 1000);
        await store.createEndpoint(endpoint, aSecret());
        ids.push(endpoint.id);
      }
      await store.deleteEndpoint(app.id, ids[1] as never, T0 + 5000);
      const page = await store.listEndpoints(app.id, desc(10));
      expect(page.items.map((e) => e.id)).toEqual([ids[2], ids[0]]);
      expect(page.done).toBe(true);
    });
  });

  describe("endpoint secrets", () => {
    it("are encrypted at rest and decrypted on read", async () => {
      const app = anApplication();
      await store.createApplication(app);
      const endpoint = anEndpoint(app.id);
      const key = "whsec_dGhpcyBpcyBhIHZlcnkgc2VjcmV0IGtleQ==";
      await store.createEndpoint(endpoint, aSecret(key));
      expect(await store.getEndpointSecrets(endpoint.id, T0)).toEqual([
        { key, createdAt: T0, expiresAt: null },
      ]);

      const rows = await rawRows<{ encrypted_key: string }>(
        database,
        `SELECT encrypted_key FROM endpoint_secrets WHERE endpoint_id = '${endpoint.id}'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.encrypted_key).toMatch(/^v1\./);
      expect(rows[0]?.encrypted_key).not.toContain(key);
      expect(rows[0]?.encrypted_key).not.toContain("dGhpcyBpcyBhIHZlcnkgc2VjcmV0IGtleQ");
    });

    it("rotate: the old key stays live through its grace period; more than 10 live old keys is refused", async () => {
      const app = anApplication();
      await store.createApplication(app);
      const endpoint = anEndpoint(app.id);
      await store.createEndpoint(endpoint, aSecret("whsec_key0"));

      const now = T0 + 1000;
      await store.rotateEndpointSecret(endpoint.id, aSecret("whsec_key1", now), now + 60_000, now);
      expect(await store.getEndpointSecrets(endpoint.id, now)).toEqual([
        { key: "whsec_key1", createdAt: now, expiresAt: null },
        { key: "whsec_key0", createdAt: T0, expiresAt: now + 60_000 },
      ]);
      expect((await store.getEndpointSecrets(endpoint.id, now + 60_000)).map((s) => s.key)).toEqual([
        "whsec_key1",
      ]);

      for (let i = 2; i <= 10; i++) {
        await store.rotateEndpointSecret(
          endpoint.id,
          aSecret(`whsec_key${i}`, now + i),
          now + 60_000,
          now + i,
        );
      }
      // Ten old keys are live now; an eleventh would exceed the limit.
      await expect(
        store.rotateEndpointSecret(endpoint.id, aSecret("whsec_key11", now + 11), now + 60_000, now + 11),
      ).rejects.toMatchObject({ code: "limit_reached" });
      expect((await store.getEndpointSecrets(endpoint.id, now + 11))[0]?.key).toBe("whsec_key10");
      // Once the grace periods end, rotation works again.
      await store.rotateEndpointSecret(
        endpoint.id,
        aSecret("whsec_key11", now + 70_000),
        now + 80_000,
        now + 70_000,
      );
      expect((await store.getEndpointSecrets(endpoint.id, now + 70_000)).map((s) => s.key)).toEqual([
        "whsec_key11",
        "whsec_key10",
      ]);
    });
  });
});
