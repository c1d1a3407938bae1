/**
 * What one does *to* an endpoint besides CRUD: recover failed messages (§5.5), stats (§5.6), send an example
 * (§5.7), and the Cloud-only routes Herald answers with 501. The Herald runs the `api` role and the test plays
 * the delivery engine with `deliverDue`, so outcomes are chosen, not raced.
 */
import type { ApplicationOut } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, type MessageId } from "../../src/domain/ids.js";
import { TriggerType, type Message } from "../../src/domain/types.js";
import type { ClaimedDelivery } from "../../src/store/store.js";
import { deliverDue } from "../helpers/attempts.js";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { apiError, rawCall } from "../helpers/raw-api.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

describe.each(BACKENDS)("endpoint operations on %s", (backend) => {
  let herald: TestHerald;
  let app: ApplicationOut;
  let base: string;

  /** Claims every due delivery and answers each with `statusOf`; returns what was claimed. */
  async function deliverAll(statusOf: (claimed: ClaimedDelivery) => number): Promise<ClaimedDelivery[]> {
    const claimed: ClaimedDelivery[] = [];
    for (;;) {
      const attempts = await deliverDue(herald.store, (item) => {
        claimed.push(item);
        return { statusCode: statusOf(item) };
      });
      if (attempts.length === 0) return claimed;
    }
  }

  async function createEndpoint(appId: string, url = "https://example.com/hook"): Promise<string> {
    return (await herald.svix.endpoint.create(appId, { url })).id;
  }

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "api" } });
    app = await herald.svix.application.create({ name: "Operations" });
    base = `/api/v1/app/${app.id}/endpoint`;
  });
  afterAll(async () => {
    await herald?.stop();
  });

  describe("recover", () => {
    it("re-sends, as manual attempts, exactly the messages that failed to that endpoint", async () => {
      const recoverApp = await herald.svix.application.create({ name: "Recover" });
      const endpointId = await createEndpoint(recoverApp.id);
      const otherEndpointId = await createEndpoint(recoverApp.id, "https://example.com/other");
      const failed1 = await herald.svix.message.create(recoverApp.id, { eventType: "a", payload: { n: 1 } });
      const succeeded = await herald.svix.message.create(recoverApp.id, {
        eventType: "a",
        payload: { n: 2 },
      });
      const failed2 = await herald.svix.message.create(recoverApp.id, { eventType: "a", payload: { n: 3 } });
      await deliverAll((item) =>
        item.message.id === succeeded.id || item.endpoint.id === otherEndpointId ? 200 : 500,
      );

      const task = await herald.svix.endpoint.recover(recoverApp.id, endpointId, {
        since: new Date(Date.now() - HOUR_MS),
      });
      expect(task.id).toMatch(/^qtask_[0-9A-Za-z]{27}$/);
      expect(task).toMatchObject({ status: "running", task: "endpoint.recover" });
      expect(task.updatedAt).toBeInstanceOf(Date);
      await herald.herald.services.endpoints.whenIdle();

      const resent = await deliverAll(() => 200);
      expect(resent.map((item) => item.message.id).sort()).toEqual([failed1.id, failed2.id].sort());
      expect(resent.every((item) => item.endpoint.id === endpointId)).toBe(true);
      expect(resent.every((item) => item.delivery.trigger === TriggerType.Manual)).toBe(true);
      const attempts = await herald.svix.messageAttempt.listByEndpoint(recoverApp.id, endpointId);
      expect(attempts.data.filter((attempt) => attempt.triggerType === TriggerType.Manual)).toHaveLength(2);
    });

    it("looks only inside the window", async () => {
      const windowApp = await herald.svix.application.create({ name: "Window" });
      const endpointId = await createEndpoint(windowApp.id);
      await herald.svix.message.create(windowApp.id, { eventType: "a", payload: {} });
      await deliverAll(() => 500);

      const response = await rawCall(
        herald,
        "POST",
        `/api/v1/app/${windowApp.id}/endpoint/${endpointId}/recover`,
        {
          body: {
            since: new Date(Date.now() - 2 * HOUR_MS).toISOString(),
            until: new Date(Date.now() - HOUR_MS).toISOString(),
          },
        },
      );
      expect(response.status).toBe(202);
      await herald.herald.services.endpoints.whenIdle();
      expect(await deliverAll(() => 200)).toEqual([]);
    });

    it("queues at most 10 000 messages", async () => {
      const bulkApp = await herald.svix.application.create({ name: "Bulk" });
      const endpointId = await createEndpoint(bulkApp.id);
      const now = Date.now();
      const messages: Message[] = Array.from({ length: 10_001 }, () => ({
        id: newId("message", now) as MessageId,
        appId: bulkApp.id as Message["appId"],
        eventType: "bulk",
        eventId: null,
        channels: null,
        payload: "{}",
        payloadExpiresAt: now + DAY_MS,
        createdAt: now,
      }));
      await herald.store.acceptMessages(
        messages.map((message) => ({ message, idempotencyKey: null })),
        now,
      );
      await deliverAll(() => 500);

      await herald.svix.endpoint.recover(bulkApp.id, endpointId, { since: new Date(now - HOUR_MS) });
      await herald.herald.services.endpoints.whenIdle();
      const queued = await herald.store.claimDueDeliveries(20_000, Date.now(), Date.now() + 60_000);
      expect(queued).toHaveLength(10_000);
    }, 60_000);

    it("validates the window and the body with 422s", async () => {
      const endpointId = await createEndpoint(app.id);
      const path = `${base}/${endpointId}/recover`;
      const tooLong = await rawCall(herald, "POST", path, {
        body: { since: new Date(Date.now() - 15 * DAY_MS).toISOString() },
      });
      expect(tooLong.status).toBe(422);
      expect(tooLong.json).toEqual({
        detail: [
          {
            loc: ["body", "since"],
            msg: "Cannot recover more than 14 days of messages",
            type: "value_error",
          },
        ],
      });
      const almost14Days = await rawCall(herald, "POST", path, {
        body: { since: new Date(Date.now() - 14 * DAY_MS).toISOString() },
      });
      expect(almost14Days.status).toBe(202);
      const badDate = await rawCall(herald, "POST", path, { body: { since: "last week" } });
      expect(badDate.status).toBe(422);
      expect(badDate.json).toMatchObject({ detail: [{ loc: ["body", "since"] }] });
      const reversed = await rawCall(herald, "POST", path, {
        body: { since: new Date().toISOString(), until: new Date(Date.now() - HOUR_MS).toISOString() },
      });
      expect(reversed.status).toBe(422);
      expect(reversed.json).toMatchObject({ detail: [{ loc: ["body", "until"] }] });
      expect((await rawCall(herald, "POST", path, { body: {} })).status).toBe(422);
      expect((await rawCall(herald, "POST", path)).status).toBe(422);
      const unknown = await rawCall(herald, "POST", `${base}/ep_nope/recover`, {
        body: { since: new Date().toISOString() },
      });
      expect(unknown.status).toBe(404);
      await herald.herald.services.endpoints.whenIdle();
    });
  });

  describe("stats", () => {
    it("counts the endpoint's attempts by status", async () => {
      const statsApp = await herald.svix.application.create({ name: "Stats" });
      const endpointId = await createEndpoint(statsApp.id);
      expect(await herald.svix.endpoint.getStats(statsApp.id, endpointId)).toEqual({
        success: 0,
        pending: 0,
        sending: 0,
        fail: 0,
        canceled: 0,
      });
      for (let n = 0; n < 3; n++)
        await herald.svix.message.create(statsApp.id, { eventType: "a", payload: { n } });
      await deliverAll((item) =>
        (JSON.parse(item.message.payload ?? "{}") as { n: number }).n === 0 ? 200 : 503,
      );
      expect(await herald.svix.endpoint.getStats(statsApp.id, endpointId)).toMatchObject({
        success: 1,
        fail: 2,
      });
    });

    it("applies Svix's invalid_range rules", async () => {
      const endpointId = await createEndpoint(app.id);
      const future = await apiError(
        herald.svix.endpoint.getStats(app.id, endpointId, { until: new Date(Date.now() + HOUR_MS) }),
      );
      expect(future).toEqual({
        code: 400,
        body: { code: "invalid_range", detail: "'until' cannot be in the future" },
      });
      const tooLong = await apiError(
        herald.svix.endpoint.getStats(app.id, endpointId, { since: new Date(Date.now() - 30 * DAY_MS) }),
      );
      expect(tooLong).toMatchObject({ code: 400, body: { code: "invalid_range" } });
      const reversed = await apiError(
        herald.svix.endpoint.getStats(app.id, endpointId, {
          since: new Date(Date.now() - HOUR_MS),
          until: new Date(Date.now() - 2 * HOUR_MS),
        }),
      );
      expect(reversed).toMatchObject({ code: 400, body: { code: "invalid_range" } });
      const badDate = await rawCall(herald, "GET", `${base}/${endpointId}/stats?since=yesterday`);
      expect(badDate.status).toBe(422);
      expect(badDate.json).toMatchObject({ detail: [{ loc: ["query", "since"] }] });
    });
  });

  describe("send-example", () => {
    it("sends the chosen example of the event type to this endpoint only (202 MessageOut)", async () => {
      await herald.svix.eventType.create({
        name: "example.type",
        description: "d",
        schemas: { "1": { type: "object", examples: [{ n: 1 }, { n: 2 }] } },
      });
      const exampleApp = await herald.svix.application.create({ name: "Example" });
      const endpointId = await createEndpoint(exampleApp.id);
      await createEndpoint(exampleApp.id, "https://example.com/other");

      const message = await herald.svix.endpoint.sendExample(exampleApp.id, endpointId, {
        eventType: "example.type",
        exampleIndex: 1,
      });
      expect(message).toMatchObject({
        eventType: "example.type",
        payload: {},
        eventId: null,
        channels: null,
      });
      expect(message.id).toMatch(/^msg_/);
      expect(message.timestamp).toBeInstanceOf(Date);

      const delivered = await deliverAll(() => 200);
      expect(delivered).toHaveLength(1);
      expect(delivered[0]?.endpoint.id).toBe(endpointId);
      expect(delivered[0]?.message.id).toBe(message.id);
      expect(JSON.parse(delivered[0]?.message.payload ?? "null")).toEqual({ n: 2 });

      const path = `/api/v1/app/${exampleApp.id}/endpoint/${endpointId}/send-example`;
      const raw = await rawCall(herald, "POST", path, { body: { eventType: "example.type" } });
      expect(raw.status).toBe(202);
      expect(raw.json).toMatchObject({ eventType: "example.type", payload: {} });
      await deliverAll(() => 200);
    });

    it("answers 404 for an unknown endpoint and 422 for a missing or bad body", async () => {
      const endpointId = await createEndpoint(app.id);
      const unknown = await rawCall(herald, "POST", `${base}/ep_nope/send-example`, {
        body: { eventType: "a" },
      });
      expect(unknown).toMatchObject({ status: 404, json: { code: "not_found" } });
      expect((await rawCall(herald, "POST", `${base}/${endpointId}/send-example`)).status).toBe(422);
      const badIndex = await rawCall(herald, "POST", `${base}/${endpointId}/send-example`, {
        body: { eventType: "a", exampleIndex: -1 },
      });
      expect(badIndex.status).toBe(422);
      expect(badIndex.json).toMatchObject({ detail: [{ loc: ["body", "exampleIndex"] }] });
    });
  });

  describe("Cloud-only routes", () => {
    it("answer replay-missing, bulk-replay and transformations with a JSON 501", async () => {
      const endpointId = await createEndpoint(app.id);
      for (const [method, suffix] of [
        ["POST", "replay-missing"],
        ["POST", "bulk-replay"],
        ["GET", "transformation"],
        ["PATCH", "transformation"],
      ] as const) {
        const response = await rawCall(herald, method, `${base}/${endpointId}/${suffix}`, {
          ...(method === "GET" ? {} : { body: {} }),
        });
        expect(response.status, suffix).toBe(501);
        expect(response.json, suffix).toMatchObject({ code: "not_implemented" });
      }
      expect((await rawCall(herald, "POST", `${base}/ep_nope/replay-missing`, { body: {} })).status).toBe(
        404,
      );
    });
  });
});
