/**
 * `idempotency-key` (svix-api.md §1.6) through a real Herald: message creation (replayed by the store inside the
 * accept transaction) and every other POST (the generic response cache).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { rawCall } from "../helpers/raw-api.js";

const HOUR_MS = 60 * 60 * 1000;

describe.each(BACKENDS)("idempotency on %s", (backend) => {
  let herald: TestHerald;
  let clockOffset = 0;
  let appId: string;

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "api" }, now: () => Date.now() + clockOffset });
    appId = (await herald.svix.application.create({ name: "Idempotency" })).id;
  });
  afterAll(async () => {
    await herald?.stop();
  });

  const withKey = (key: string) => ({ headers: { "idempotency-key": key } });

  async function messageCount(): Promise<number> {
    return (await herald.svix.message.list(appId, { limit: 250 })).data.length;
  }

  it("creates a message once for two requests with the same key, and answers both with it", async () => {
    const before = await messageCount();
    const first = await herald.svix.message.create(
      appId,
      { eventType: "idem.msg", payload: { n: 1 } },
      { idempotencyKey: "msg-key-1" },
    );
    const second = await herald.svix.message.create(
      appId,
      { eventType: "idem.msg", payload: { n: 1 } },
      { idempotencyKey: "msg-key-1" },
    );
    expect(second.id).toBe(first.id);
    expect(await messageCount()).toBe(before + 1);

    // Another key, another message.
    const third = await herald.svix.message.create(
      appId,
      { eventType: "idem.msg", payload: { n: 1 } },
      { idempotencyKey: "msg-key-2" },
    );
    expect(third.id).not.toBe(first.id);
  });

  it("creates one message for concurrent duplicates of a message create", async () => {
    const before = await messageCount();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        rawCall(herald, "POST", `/api/v1/app/${appId}/msg`, {
          body: { eventType: "idem.concurrent", payload: {} },
          ...withKey("msg-concurrent"),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(new Set(responses.map((r) => (r.json as { id: string }).id)).size).toBe(1);
    expect(await messageCount()).toBe(before + 1);
  });

  it("keys on the URI and the credentials: the same key elsewhere runs again", async () => {
    const a = await rawCall(herald, "POST", `/api/v1/app/${appId}/msg`, {
      body: { eventType: "k.uri", payload: {} },
      ...withKey("shared"),
    });
    const b = await rawCall(herald, "POST", `/api/v1/app/${appId}/msg?with_content=false`, {
      body: { eventType: "k.uri", payload: {} },
      ...withKey("shared"),
    });
    expect((a.json as { id: string }).id).not.toBe((b.json as { id: string }).id);
  });

  it("replays a 2xx response of any other POST byte for byte, with its status, without running it again", async () => {
    const body = { name: "Created once", uid: "idem-app" };
    const first = await rawCall(herald, "POST", "/api/v1/app", { body, ...withKey("app-key") });
    expect(first.status).toBe(201);
    // Even a different body replays the first response: the body is not part of the key (as in Svix).
    const second = await rawCall(herald, "POST", "/api/v1/app", {
      body: { name: "Something else" },
      ...withKey("app-key"),
    });
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    const apps = await herald.svix.application.list({ limit: 250 });
    expect(
      apps.data.filter((app) => app.name === "Created once" || app.name === "Something else"),
    ).toHaveLength(1);

    // Through the SDK as well.
    const viaSdk = await herald.svix.application.create(
      { name: "SDK once" },
      { idempotencyKey: "sdk-app-key" },
    );
    const again = await herald.svix.application.create(
      { name: "SDK once" },
      { idempotencyKey: "sdk-app-key" },
    );
    expect(again.id).toBe(viaSdk.id);
  });

  it("does not cache an error: a retry with the same key runs again", async () => {
    const invalid = await rawCall(herald, "POST", "/api/v1/app", {
      body: { name: "" },
      ...withKey("retry-after-422"),
    });
    expect(invalid.status).toBe(422);
    const valid = await rawCall(herald, "POST", "/api/v1/app", {
      body: { name: "Second try" },
      ...withKey("retry-after-422"),
    });
    expect(valid.status).toBe(201);

    const missing = await rawCall(herald, "POST", "/api/v1/app/nope/endpoint", {
      body: { url: "https://example.com/" },
      ...withKey("retry-after-404"),
    });
    expect(missing.status).toBe(404);
    await herald.svix.application.create({ name: "Now exists", uid: "nope" });
    const found = await rawCall(herald, "POST", "/api/v1/app/nope/endpoint", {
      body: { url: "https://example.com/" },
      ...withKey("retry-after-404"),
    });
    expect(found.status).toBe(201);
  });

  it("runs concurrent duplicates once: the others wait for the first and replay its response", async () => {
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        rawCall(herald, "POST", "/api/v1/app", {
          body: { name: "Concurrent" },
          ...withKey("app-concurrent"),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    const apps = await herald.svix.application.list({ limit: 250 });
    expect(apps.data.filter((app) => app.name === "Concurrent")).toHaveLength(1);
  });

  it("replays a bodyless 2xx too (endpoint secret rotation answers 204)", async () => {
    const endpoint = await herald.svix.endpoint.create(appId, { url: "https://example.com/rotate" });
    const path = `/api/v1/app/${appId}/endpoint/${endpoint.id}/secret/rotate`;
    const before = await herald.svix.endpoint.getSecret(appId, endpoint.id);
    expect((await rawCall(herald, "POST", path, { body: {}, ...withKey("rotate") })).status).toBe(204);
    const rotated = await herald.svix.endpoint.getSecret(appId, endpoint.id);
    expect(rotated.key).not.toBe(before.key);
    const replay = await rawCall(herald, "POST", path, { body: {}, ...withKey("rotate") });
    expect(replay).toMatchObject({ status: 204, text: "" });
    expect((await herald.svix.endpoint.getSecret(appId, endpoint.id)).key).toBe(rotated.key);
  });

  it("ignores the header without Authorization-bound requests or on other methods", async () => {
    // Two PATCHes with the same key both run.
    await herald.svix.application.create({ name: "Patch me", uid: "patch-me" });
    await rawCall(herald, "PATCH", "/api/v1/app/patch-me", { body: { name: "One" }, ...withKey("patch") });
    const second = await rawCall(herald, "PATCH", "/api/v1/app/patch-me", {
      body: { name: "Two" },
      ...withKey("patch"),
    });
    expect(second.json).toMatchObject({ name: "Two" });
  });

  it("forgets keys after 12 hours once purged", async () => {
    const first = await rawCall(herald, "POST", "/api/v1/app", {
      body: { name: "Purge" },
      ...withKey("purge-key"),
    });
    clockOffset = 13 * HOUR_MS;
    try {
      expect(await herald.herald.services.messages.idempotency.purgeExpired()).toBeGreaterThan(0);
      const second = await rawCall(herald, "POST", "/api/v1/app", {
        body: { name: "Purge" },
        ...withKey("purge-key"),
      });
      expect(second.status).toBe(201);
      expect((second.json as { id: string }).id).not.toBe((first.json as { id: string }).id);
    } finally {
      clockOffset = 0;
    }
  });
});
