/**
 * Bulk retry (`POST /api/v1/app/{app_id}/bulk-retry`, a Herald extension) end to end: failures are produced by
 * real receivers through the running engine, then only the deliveries the filter chooses are sent again, as
 * manual attempts — on every backend.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { rawCall, type RawResponse } from "../helpers/raw-api.js";
import type { Receiver } from "../helpers/receiver.js";
import {
  attemptsReaching,
  createRawEndpoint,
  delay,
  eventually,
  rawAttempts,
  useReceivers,
  webhookId,
} from "./delivery-fixtures.js";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

describe.each(BACKENDS)("bulk retry on %s", (backend) => {
  let herald: TestHerald;
  const receiver = useReceivers();

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "all", deliveryPollMs: 200 } });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  const bulkRetry = (app: string, body: unknown): Promise<RawResponse> =>
    rawCall(herald, "POST", `/api/v1/app/${app}/bulk-retry`, { body });

  /** Starts a bulk retry, waits for its queueing to finish and for the engine to send everything queued. */
  async function retryAndSettle(app: string, body: Record<string, unknown>): Promise<void> {
    const response = await bulkRetry(app, body);
    expect(response.status, response.text).toBe(202);
    await herald.herald.services.bulkRetry.whenIdle();
    await eventually(async () => (await herald.store.nextDueAt()) === null);
  }

  /** The message ids a receiver got after its first `from` requests. */
  const receivedSince = (rx: Receiver, from: number) => rx.requests.slice(from).map(webhookId).sort();

  it("re-sends only the failed deliveries the filter chooses, as manual attempts", async () => {
    let healthy = false;
    const answer = () => (healthy ? { status: 200 } : { status: 503, body: "down" });
    const rxA = await receiver(answer);
    // B only ever fails m1 before recovering.
    const rxB = await receiver((request) =>
      !healthy && request.text.includes('"n":1') ? { status: 500 } : { status: 200 },
    );
    const app = (await herald.svix.application.create({ name: "Bulk" })).id;
    const a = await createRawEndpoint(herald, app, { url: `${rxA.url}/a`, uid: "ep-a", retrySchedule: [] });
    const b = await createRawEndpoint(herald, app, { url: `${rxB.url}/b`, retrySchedule: [] });

    const since = new Date(Date.now() - MINUTE_MS).toISOString();
    const m1 = await herald.svix.message.create(app, { eventType: "order.created", payload: { n: 1 } });
    const m2 = await herald.svix.message.create(app, { eventType: "order.updated", payload: { n: 2 } });
    await delay(10);
    const boundary = new Date().toISOString();
    await delay(10);
    const m3 = await herald.svix.message.create(app, { eventType: "order.created", payload: { n: 3 } });
    await attemptsReaching(herald, app, a.id, 3);
    await attemptsReaching(herald, app, b.id, 3);
    expect(await herald.store.nextDueAt()).toBeNull();
    healthy = true;

    // Event type, endpoint (by uid) and time window together: only m1 → A.
    let seenA = rxA.requests.length;
    let seenB = rxB.requests.length;
    await retryAndSettle(app, { eventTypes: ["order.created"], endpointId: "ep-a", since, until: boundary });
    expect(receivedSince(rxA, seenA)).toEqual([m1.id]);
    expect(receivedSince(rxB, seenB)).toEqual([]);
    const [manual] = await rawAttempts(herald, app, a.id);
    expect(manual).toMatchObject({ msgId: m1.id, triggerType: 1, status: 0, attemptNumber: 1 });

    // Default filter (failed, every endpoint and type): what is still failed — m2 and m3 to A, m1 to B.
    seenA = rxA.requests.length;
    seenB = rxB.requests.length;
    await retryAndSettle(app, { since });
    expect(receivedSince(rxA, seenA)).toEqual([m2.id, m3.id].sort());
    expect(receivedSince(rxB, seenB)).toEqual([m1.id]);

    // Nothing failed any more: nothing is sent.
    seenA = rxA.requests.length;
    seenB = rxB.requests.length;
    await retryAndSettle(app, { since });
    expect(receivedSince(rxA, seenA)).toEqual([]);
    expect(receivedSince(rxB, seenB)).toEqual([]);

    // Replaying successes is a filter too: m2 to B succeeded the first time.
    await retryAndSettle(app, { status: 0, endpointId: b.id, eventTypes: ["order.updated"], since });
    expect(receivedSince(rxB, seenB)).toEqual([m2.id]);
    expect(receivedSince(rxA, seenA)).toEqual([]);
  });

  it("skips disabled endpoints and messages outside the window", async () => {
    const rx = await receiver(() => ({ status: 500 }));
    const app = (await herald.svix.application.create({ name: "Skips" })).id;
    const endpoint = await createRawEndpoint(herald, app, { url: `${rx.url}/skips`, retrySchedule: [] });
    await herald.svix.message.create(app, { eventType: "a", payload: {} });
    await attemptsReaching(herald, app, endpoint.id, 1);

    await retryAndSettle(app, {
      since: new Date(Date.now() - 2 * MINUTE_MS).toISOString(),
      until: new Date(Date.now() - MINUTE_MS).toISOString(),
    });
    expect(rx.requests).toHaveLength(1);

    await herald.svix.endpoint.patch(app, endpoint.id, { disabled: true });
    await retryAndSettle(app, { since: new Date(Date.now() - MINUTE_MS).toISOString() });
    expect(rx.requests).toHaveLength(1);

    await herald.svix.endpoint.patch(app, endpoint.id, { disabled: false });
    await retryAndSettle(app, { since: new Date(Date.now() - MINUTE_MS).toISOString() });
    expect(rx.requests).toHaveLength(2);
  });

  it("answers 202 with a background task, like recover", async () => {
    await herald.svix.application.create({ name: "Task", uid: "task-app" });
    // The application by uid, as everywhere else.
    const response = await bulkRetry("task-app", { since: new Date(Date.now() - MINUTE_MS).toISOString() });
    expect(response.status).toBe(202);
    const task = response.json as { id: string; status: string; task: string; updatedAt: string };
    expect(task.id).toMatch(/^qtask_[0-9A-Za-z]{27}$/);
    expect(task).toMatchObject({ status: "running", task: "app.bulk-retry" });
    expect(Math.abs(Date.parse(task.updatedAt) - Date.now())).toBeLessThan(60_000);
    await herald.herald.services.bulkRetry.whenIdle();
  });

  it("validates the filter with 422s and unknown names with 404s", async () => {
    const app = (await herald.svix.application.create({ name: "Invalid" })).id;
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const invalid = async (body: unknown, loc: (string | number)[]) => {
      const response = await bulkRetry(app, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(
        (response.json as { detail: { loc: unknown[] }[] }).detail[0]?.loc,
        JSON.stringify(body),
      ).toEqual(loc);
    };
    await invalid({}, ["body", "since"]);
    await invalid({ since: "yesterday" }, ["body", "since"]);
    await invalid({ since: iso(now - 15 * DAY_MS) }, ["body", "since"]);
    await invalid({ since: iso(now), until: iso(now - MINUTE_MS) }, ["body", "until"]);
    await invalid({ since: iso(now - MINUTE_MS), status: 1 }, ["body", "status"]);
    await invalid({ since: iso(now - MINUTE_MS), status: 3 }, ["body", "status"]);
    await invalid({ since: iso(now - MINUTE_MS), status: 9 }, ["body", "status"]);
    await invalid({ since: iso(now - MINUTE_MS), eventTypes: [] }, ["body", "eventTypes"]);
    await invalid({ since: iso(now - MINUTE_MS), eventTypes: ["no spaces"] }, ["body", "eventTypes", 0]);
    const noBody = await rawCall(herald, "POST", `/api/v1/app/${app}/bulk-retry`);
    expect(noBody.status).toBe(422);

    expect(await bulkRetry("app_nope", { since: iso(now - MINUTE_MS) })).toMatchObject({
      status: 404,
      json: { code: "not_found" },
    });
    expect(await bulkRetry(app, { since: iso(now - MINUTE_MS), endpointId: "ep_nope" })).toMatchObject({
      status: 404,
      json: { code: "not_found" },
    });
    // The longest window allowed, and a null until (= now), are fine.
    expect((await bulkRetry(app, { since: iso(now - 14 * DAY_MS), until: null })).status).toBe(202);
    await herald.herald.services.bulkRetry.whenIdle();
  });
});
