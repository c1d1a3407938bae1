/**
 * Endpoint CRUD (svix-api.md §5.1–5.2) through a real Herald: the official SDK where it covers a route, raw HTTP
 * for error shapes, the v1 aliases, null-versus-absent in PATCH and full replacement in PUT.
 */
import { randomBytes } from "node:crypto";
import { Ordering, type ApplicationOut } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { apiError, rawCall } from "../helpers/raw-api.js";

describe.each(BACKENDS)("endpoints on %s", (backend) => {
  let herald: TestHerald;
  let app: ApplicationOut;
  let base: string;

  beforeAll(async () => {
    herald = await startTestHerald({ backend });
    app = await herald.svix.application.create({ name: "Endpoints" });
    base = `/api/v1/app/${app.id}/endpoint`;
    await herald.svix.eventType.create({ name: "user.signup", description: "d" });
    await herald.svix.eventType.create({ name: "user.deleted", description: "d" });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  describe("create and read", () => {
    it("creates with defaults and renders every field, both SDK generations' names included", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, { url: "https://example.com" });
      expect(endpoint.id).toMatch(/^ep_[0-9A-Za-z]{27}$/);
      expect(endpoint.url).toBe("https://example.com/");
      const raw = await rawCall(herald, "GET", `${base}/${endpoint.id}`);
      expect(raw.status).toBe(200);
      expect(raw.json).toEqual({
        id: endpoint.id,
        uid: null,
        url: "https://example.com/",
        name: "",
        description: "",
        disabled: false,
        eventTypes: null,
        filterTypes: null,
        channels: null,
        throttleRate: null,
        rateLimit: null,
        version: 1,
        metadata: {},
        payloadFormat: "json",
        signature: { scheme: "standard" },
        retrySchedule: null,
        timeoutSeconds: 15,
        createdAt: endpoint.createdAt.toISOString(),
        updatedAt: endpoint.updatedAt.toISOString(),
      });
    });

    it("stores filters, channels, throttle and metadata, as sets where Svix keeps sets", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/hook",
        description: "desc",
        eventTypes: ["user.signup", "user.deleted", "user.signup"],
        channels: ["b", "a"],
        throttleRate: 10,
        metadata: { team: "core" },
        disabled: true,
      });
      expect(endpoint).toMatchObject({
        description: "desc",
        eventTypes: ["user.deleted", "user.signup"],
        channels: ["a", "b"],
        throttleRate: 10,
        metadata: { team: "core" },
        disabled: true,
      });
      const fetched = await herald.svix.endpoint.get(app.id, endpoint.id);
      expect(fetched.eventTypes).toEqual(["user.deleted", "user.signup"]);
    });

    it("accepts the v1 names filterTypes and rateLimit, and emits both spellings", async () => {
      const response = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/v1",
          filterTypes: ["user.signup"],
          rateLimit: 7,
          version: 1,
        },
      });
      expect(response.status).toBe(201);
      expect(response.json).toMatchObject({
        eventTypes: ["user.signup"],
        filterTypes: ["user.signup"],
        throttleRate: 7,
        rateLimit: 7,
        version: 1,
      });
    });

    it("requires existing, non-archived event types in the filter (422 at body.eventTypes)", async () => {
      const missing = await apiError(
        herald.svix.endpoint.create(app.id, {
          url: "https://example.com/",
          eventTypes: ["user.signup", "b.none", "a.none"],
        }),
      );
      expect(missing).toEqual({
        code: 422,
        body: {
          detail: [
            {
              loc: ["body", "eventTypes"],
              msg: "The following event types don't exist: a.none, b.none",
              type: "value_error",
            },
          ],
        },
      });

      await herald.svix.eventType.create({ name: "old.type", description: "d" });
      const keeper = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/",
        eventTypes: ["old.type"],
      });
      await herald.svix.eventType.delete("old.type");
      const archived = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/",
          eventTypes: ["old.type"],
        },
      });
      expect(archived.status).toBe(422);
      // An endpoint that already filters on a type archived since keeps it through updates.
      const kept = await herald.svix.endpoint.patch(app.id, keeper.id, {
        description: "still here",
        eventTypes: ["old.type", "user.signup"],
      });
      expect(kept.eventTypes).toEqual(["old.type", "user.signup"]);

      const empty = await rawCall(herald, "POST", base, {
        body: { url: "https://example.com/", eventTypes: [] },
      });
      expect(empty.status).toBe(422);
      expect(empty.json).toMatchObject({ detail: [{ loc: ["body", "eventTypes"] }] });
    });

    it("validates the URL: absolute http(s) only (422 at body.url)", async () => {
      for (const url of ["ftp://example.com/", "example.com/hook", "not a url", ""]) {
        const response = await rawCall(herald, "POST", base, { body: { url } });
        expect(response.status, url).toBe(422);
        expect(response.json, url).toMatchObject({ detail: [{ loc: ["body", "url"] }] });
      }
      const missing = await rawCall(herald, "POST", base, { body: { description: "no url" } });
      expect(missing.status).toBe(422);
      expect(missing.json).toMatchObject({ detail: [{ loc: ["body", "url"] }] });
    });

    it("validates channels, throttle rate and metadata size", async () => {
      const tooManyChannels = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/",
          channels: Array.from({ length: 11 }, (_, i) => `c${i}`),
        },
      });
      expect(tooManyChannels.status).toBe(422);
      expect(tooManyChannels.json).toMatchObject({ detail: [{ loc: ["body", "channels"] }] });
      const badChannel = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/",
          channels: ["no spaces"],
        },
      });
      expect(badChannel.status).toBe(422);
      const zeroRate = await rawCall(herald, "POST", base, {
        body: { url: "https://example.com/", throttleRate: 0 },
      });
      expect(zeroRate.status).toBe(422);
      const bigMetadata = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/",
          metadata: { k: "v".repeat(5000) },
        },
      });
      expect(bigMetadata.status).toBe(422);
      expect(bigMetadata.json).toMatchObject({ detail: [{ loc: ["body", "metadata"] }] });
    });

    it("enforces uid rules: no ep_ prefix, unique per application, usable in paths, freed on delete", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/",
        uid: "primary",
      });
      expect(endpoint.uid).toBe("primary");
      expect((await herald.svix.endpoint.get(app.id, "primary")).id).toBe(endpoint.id);

      const clash = await apiError(
        herald.svix.endpoint.create(app.id, { url: "https://example.com/", uid: "primary" }),
      );
      expect(clash.code).toBe(409);
      expect(clash.body).toMatchObject({ code: "conflict" });

      const other = await herald.svix.application.create({ name: "Other" });
      await herald.svix.endpoint.create(other.id, { url: "https://example.com/", uid: "primary" });

      const prefixed = await rawCall(herald, "POST", base, {
        body: { url: "https://example.com/", uid: "ep_nope" },
      });
      expect(prefixed.status).toBe(422);
      expect(prefixed.json).toMatchObject({ detail: [{ loc: ["body", "uid"] }] });

      await herald.svix.endpoint.delete(app.id, "primary");
      expect((await apiError(herald.svix.endpoint.get(app.id, endpoint.id))).code).toBe(404);
      const reused = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/",
        uid: "primary",
      });
      expect(reused.id).not.toBe(endpoint.id);
    });

    it("answers JSON 404s for unknown applications and endpoints", async () => {
      expect(await rawCall(herald, "GET", "/api/v1/app/app_nope/endpoint")).toMatchObject({
        status: 404,
        json: { code: "not_found", detail: "Entity not found" },
      });
      expect(await rawCall(herald, "GET", `${base}/ep_nope`)).toMatchObject({
        status: 404,
        json: { code: "not_found", detail: "Entity not found" },
      });
      expect((await rawCall(herald, "DELETE", `${base}/ep_nope`)).status).toBe(404);
      expect((await rawCall(herald, "GET", `${base}/ep_nope/secret`)).status).toBe(404);
    });

    it("lists newest first by default, honours order, and pages with iterators", async () => {
      const listApp = await herald.svix.application.create({ name: "List" });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await herald.svix.endpoint.create(listApp.id, { url: `https://example.com/${i}` })).id);

      const all = await herald.svix.endpoint.list(listApp.id);
      expect(all.data.map((e) => e.id)).toEqual([...ids].reverse());
      expect(all.done).toBe(true);

      const ascending = await herald.svix.endpoint.list(listApp.id, { order: Ordering.Ascending });
      expect(ascending.data.map((e) => e.id)).toEqual(ids);

      const first = await herald.svix.endpoint.list(listApp.id, { limit: 2 });
      expect(first.data.map((e) => e.id)).toEqual([ids[4], ids[3]]);
      expect(first.done).toBe(false);
      const second = await herald.svix.endpoint.list(listApp.id, { limit: 2, iterator: first.iterator });
      expect(second.data.map((e) => e.id)).toEqual([ids[2], ids[1]]);

      const badIterator = await rawCall(herald, "GET", `/api/v1/app/${listApp.id}/endpoint?iterator=msg_123`);
      expect(badIterator.status).toBe(422);
    });
  });

  describe("update", () => {
    it("PATCH: absent leaves a field alone, null clears nullable fields", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/patch",
        uid: "patch-me",
        description: "keep",
        eventTypes: ["user.signup"],
        channels: ["a"],
        throttleRate: 5,
        metadata: { k: "v" },
      });
      const description = await herald.svix.endpoint.patch(app.id, endpoint.id, { description: "changed" });
      expect(description).toMatchObject({
        description: "changed",
        uid: "patch-me",
        eventTypes: ["user.signup"],
        channels: ["a"],
      });

      const cleared = await herald.svix.endpoint.patch(app.id, endpoint.id, {
        eventTypes: null,
        channels: null,
        throttleRate: null,
        uid: null,
      });
      expect(cleared).toMatchObject({
        eventTypes: null,
        channels: null,
        throttleRate: null,
        uid: null,
        description: "changed",
      });
      expect(cleared.updatedAt.getTime()).toBeGreaterThanOrEqual(endpoint.updatedAt.getTime());

      const metadata = await rawCall(herald, "PATCH", `${base}/${endpoint.id}`, { body: { metadata: null } });
      expect(metadata.json).toMatchObject({ metadata: {} });

      const filterAlias = await rawCall(herald, "PATCH", `${base}/${endpoint.id}`, {
        body: {
          filterTypes: ["user.deleted"],
        },
      });
      expect(filterAlias.json).toMatchObject({ eventTypes: ["user.deleted"], filterTypes: ["user.deleted"] });
      const clearAlias = await rawCall(herald, "PATCH", `${base}/${endpoint.id}`, {
        body: { filterTypes: null },
      });
      expect(clearAlias.json).toMatchObject({ eventTypes: null });
    });

    it("PATCH: null on a non-nullable field is a 422", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, { url: "https://example.com/" });
      for (const field of [
        "url",
        "description",
        "disabled",
        "version",
        "name",
        "payloadFormat",
        "signature",
        "timeoutSeconds",
      ]) {
        const response = await rawCall(herald, "PATCH", `${base}/${endpoint.id}`, {
          body: { [field]: null },
        });
        expect(response.status, field).toBe(422);
        expect(response.json, field).toMatchObject({ detail: [{ loc: ["body", field] }] });
      }
      expect(await herald.svix.endpoint.get(app.id, endpoint.id)).toMatchObject({
        url: "https://example.com/",
        description: "",
      });
    });

    it("PATCH: validates what it sets, and 409s on a taken uid", async () => {
      await herald.svix.endpoint.create(app.id, { url: "https://example.com/", uid: "taken-uid" });
      const endpoint = await herald.svix.endpoint.create(app.id, { url: "https://example.com/" });
      expect(
        (await rawCall(herald, "PATCH", `${base}/${endpoint.id}`, { body: { url: "gopher://x" } })).status,
      ).toBe(422);
      expect(
        (await rawCall(herald, "PATCH", `${base}/${endpoint.id}`, { body: { eventTypes: ["nope"] } })).status,
      ).toBe(422);
      expect(
        (await apiError(herald.svix.endpoint.patch(app.id, endpoint.id, { uid: "taken-uid" }))).code,
      ).toBe(409);
      expect(
        (await rawCall(herald, "PATCH", `${base}/ep_missing`, { body: { description: "x" } })).status,
      ).toBe(404);
    });

    it("PUT: replaces every field, resetting the omitted ones, and keeps headers and secret", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/put",
        uid: "put-me",
        description: "old",
        eventTypes: ["user.signup"],
        channels: ["a"],
        throttleRate: 3,
        metadata: { k: "v" },
        headers: { "X-Custom": "1" },
      });
      await rawCall(herald, "PATCH", `${base}/${endpoint.id}`, {
        body: {
          name: "Named",
          timeoutSeconds: 30,
          retrySchedule: [1, 2],
        },
      });
      const { key } = await herald.svix.endpoint.getSecret(app.id, endpoint.id);

      const replaced = await herald.svix.endpoint.upsert(app.id, endpoint.id, {
        url: "https://example.com/replaced",
      });
      expect(replaced).toMatchObject({
        id: endpoint.id,
        url: "https://example.com/replaced",
        uid: null,
        description: "",
        eventTypes: null,
        channels: null,
        throttleRate: null,
        metadata: {},
      });
      const raw = await rawCall(herald, "GET", `${base}/${endpoint.id}`);
      expect(raw.json).toMatchObject({
        name: "",
        timeoutSeconds: 15,
        retrySchedule: null,
        signature: { scheme: "standard" },
      });
      expect((await herald.svix.endpoint.getHeaders(app.id, endpoint.id)).headers).toEqual({
        "X-Custom": "1",
      });
      expect((await herald.svix.endpoint.getSecret(app.id, endpoint.id)).key).toBe(key);

      const status = await rawCall(herald, "PUT", `${base}/${endpoint.id}`, {
        body: {
          url: "https://example.com/again",
        },
      });
      expect(status.status).toBe(200);
    });

    it("PUT: creates (201, with a generated secret) when the endpoint does not exist, adopting a uid path", async () => {
      const created = await rawCall(herald, "PUT", `${base}/fresh-uid`, {
        body: { url: "https://example.com/fresh" },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ uid: "fresh-uid", url: "https://example.com/fresh" });
      const { key } = await herald.svix.endpoint.getSecret(app.id, "fresh-uid");
      expect(key).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

      const withSecret = await rawCall(herald, "PUT", `${base}/with-secret`, {
        body: {
          url: "https://example.com/",
          secret: `whsec_${randomBytes(32).toString("base64")}`,
        },
      });
      expect(withSecret.status).toBe(201);

      const byId = await herald.svix.endpoint.upsert(app.id, "ep_2mVXwpRHMh1B0m5yN0rP1bRzz9a", {
        url: "https://example.com/",
      });
      expect(byId.uid).toBeNull();
      expect(byId.id).not.toBe("ep_2mVXwpRHMh1B0m5yN0rP1bRzz9a");
    });

    it("DELETE: 204, then the endpoint is gone", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, { url: "https://example.com/" });
      const response = await rawCall(herald, "DELETE", `${base}/${endpoint.id}`);
      expect(response).toMatchObject({ status: 204, text: "" });
      expect(await rawCall(herald, "GET", `${base}/${endpoint.id}`)).toMatchObject({
        status: 404,
        json: { code: "not_found" },
      });
      const listed = await herald.svix.endpoint.list(app.id, { limit: 250 });
      expect(listed.data.map((e) => e.id)).not.toContain(endpoint.id);
    });
  });
});
