/**
 * The endpoint test action (`POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/test`, a Herald extension): one
 * sample event sent synchronously, signed like a delivery, answered with what the receiver said, and recorded
 * as a message and one manual attempt — on every backend, with the engine running beside it.
 */
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EndpointTestOut } from "../../src/http/schemas/recovery.js";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { rawCall, type RawResponse } from "../helpers/raw-api.js";
import { startReceiver } from "../helpers/receiver.js";
import {
  createRawEndpoint,
  delay,
  headerRecord,
  rawAttempts,
  useReceivers,
  webhookId,
} from "./delivery-fixtures.js";

describe.each(BACKENDS)("endpoint test action on %s", (backend) => {
  let herald: TestHerald;
  let app: string;
  const receiver = useReceivers();

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "all", deliveryPollMs: 200 } });
    app = (await herald.svix.application.create({ name: "Tests" })).id;
    await herald.svix.eventType.create({
      name: "invoice.paid",
      description: "An invoice was paid",
      schemas: { "1": { type: "object", examples: [{ invoice: "in_1", amount: 4200 }] } },
    });
    await herald.svix.eventType.create({
      name: "user.created",
      description: "No example, but a schema",
      schemas: {
        "1": {
          type: "object",
          required: ["id"],
          properties: {
            id: { type: "string", format: "uuid" },
            email: { type: "string", format: "email" },
            plan: { enum: ["free", "pro"] },
            seats: { type: "integer", minimum: 1 },
          },
        },
      },
    });
    await herald.svix.eventType.create({ name: "bare.event", description: "Neither example nor schema" });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  const testPath = (endpointId: string) => `/api/v1/app/${app}/endpoint/${endpointId}/test`;
  const runTest = (endpointId: string, body?: unknown): Promise<RawResponse> =>
    rawCall(herald, "POST", testPath(endpointId), body === undefined ? {} : { body });

  it("sends the catalog's example, signed, and answers with the receiver's status and body", async () => {
    const rx = await receiver(() => ({ status: 201, body: "created!" }));
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/test` });
    const { key: secret } = await herald.svix.endpoint.getSecret(app, endpoint.id);

    const response = await runTest(endpoint.id, { eventType: "invoice.paid" });
    expect(response.status, response.text).toBe(200);
    const out = response.json as EndpointTestOut;
    expect(out).toMatchObject({ statusCode: 201, responseBody: "created!", errorKind: null });
    expect(out.durationMs).toBeGreaterThanOrEqual(0);
    expect(out.msgId).toMatch(/^msg_/);
    expect(out.attemptId).toMatch(/^atmpt_/);
    expect(Object.keys(out).sort()).toEqual(
      ["attemptId", "durationMs", "errorKind", "msgId", "responseBody", "statusCode"].sort(),
    );

    // The receiver had the request before the answer: synchronous, and signed like any delivery.
    expect(rx.requests).toHaveLength(1);
    const [request] = rx.requests;
    expect(request!.text).toBe('{"invoice":"in_1","amount":4200}');
    expect(webhookId(request!)).toBe(out.msgId);
    expect(request!.headers["user-agent"]).toMatch(/^Herald\//);
    expect(() => new Webhook(secret).verify(request!.text, headerRecord(request!.headers))).not.toThrow();

    // Recorded: a real message and one manual attempt, with nothing left queued for the engine.
    const message = await herald.svix.message.get(app, out.msgId, { withContent: true });
    expect(message).toMatchObject({ eventType: "invoice.paid", payload: { invoice: "in_1", amount: 4200 } });
    const attempts = await herald.svix.messageAttempt.listByMsg(app, out.msgId);
    expect(attempts.data).toHaveLength(1);
    expect(attempts.data[0]).toMatchObject({
      id: out.attemptId,
      endpointId: endpoint.id,
      triggerType: 1,
      status: 0,
      responseStatusCode: 201,
    });
    const full = await herald.svix.messageAttempt.get(app, out.msgId, out.attemptId);
    expect(full.response).toBe("created!");
    expect(await herald.store.nextDueAt()).toBeNull();
    await delay(300);
    expect(rx.requests).toHaveLength(1);
  });

  it("generates a sample from the schema when the catalog has no example, else sends {}", async () => {
    const rx = await receiver();
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/samples` });
    expect((await runTest(endpoint.id, { eventType: "user.created" })).status).toBe(200);
    expect(JSON.parse(rx.requests[0]!.text)).toEqual({
      id: "00000000-0000-4000-8000-000000000000",
      email: "user@example.com",
      plan: "free",
      seats: 1,
    });
    expect((await runTest(endpoint.id, { eventType: "bare.event" })).status).toBe(200);
    expect(rx.requests[1]!.text).toBe("{}");
    expect((await runTest(endpoint.id, { eventType: "svix.ping" })).status).toBe(200);
    expect(rx.requests[2]!.text).toBe('{"success": true}');
  });

  it("sends a given payload byte for byte", async () => {
    const rx = await receiver();
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/given` });
    const response = await rawCall(herald, "POST", testPath(endpoint.id), {
      body: '{"eventType":"invoice.paid","payload":{ "invoice" : "in_9",  "amount":12345678901234567890 }}',
    });
    expect(response.status).toBe(200);
    expect(rx.requests[0]!.text).toBe('{ "invoice" : "in_9",  "amount":12345678901234567890 }');
  });

  it("reports a failing receiver without retrying, disabling or queueing anything", async () => {
    const rx = await receiver((request) =>
      request.url === "/gone" ? { status: 410, body: "gone" } : { status: 500, body: "broken" },
    );
    // A schedule that would retry at once, to show that nothing is retried.
    const endpoint = await createRawEndpoint(herald, app, { url: `${rx.url}/broken`, retrySchedule: [0, 0] });
    const response = await runTest(endpoint.id, { eventType: "invoice.paid" });
    expect(response.status).toBe(200);
    const out = response.json as EndpointTestOut;
    expect(out).toMatchObject({ statusCode: 500, responseBody: "broken", errorKind: null });
    const [attempt] = await rawAttempts(herald, app, endpoint.id);
    expect(attempt).toMatchObject({ id: out.attemptId, status: 2, triggerType: 1, nextAttempt: null });
    await delay(300);
    expect(rx.requests).toHaveLength(1);
    expect(await herald.store.nextDueAt()).toBeNull();

    const gone = await herald.svix.endpoint.create(app, { url: `${rx.url}/gone` });
    expect(((await runTest(gone.id, { eventType: "invoice.paid" })).json as EndpointTestOut).statusCode).toBe(
      410,
    );
    expect((await herald.svix.endpoint.get(app, gone.id)).disabled).toBe(false);
  });

  it("tests a disabled endpoint too, and reports a receiver that is not there", async () => {
    const rx = await receiver();
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/off`, disabled: true });
    const response = await runTest(endpoint.id, { eventType: "invoice.paid" });
    expect((response.json as EndpointTestOut).statusCode).toBe(200);
    expect(rx.requests).toHaveLength(1);

    // A port that was just listening and is not any more.
    const closed = await startReceiver();
    const url = `${closed.url}/closed`;
    await closed.close();
    const nowhere = await herald.svix.endpoint.create(app, { url });
    const refused = (await runTest(nowhere.id, { eventType: "invoice.paid" })).json as EndpointTestOut;
    expect(refused).toMatchObject({ statusCode: 0, errorKind: "refused" });
    expect(refused.responseBody).not.toBe("");
  });

  it("signs an hmac endpoint's test and form-encodes a form endpoint's", async () => {
    const rx = await receiver();
    const endpoint = await createRawEndpoint(herald, app, {
      url: `${rx.url}/form`,
      payloadFormat: "form",
      secret: "my-shared-secret",
      signature: { scheme: "hmac", header: "X-Hub-Signature-256", prefix: "sha256=" },
    });
    expect((await runTest(endpoint.id, { eventType: "invoice.paid" })).status).toBe(200);
    const [request] = rx.requests;
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request!.text).toBe("invoice=in_1&amount=4200");
    expect(request!.headers["x-hub-signature-256"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("answers 404 for an unknown event type or endpoint and 422 for a bad body", async () => {
    const rx = await receiver();
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/errors` });
    expect(await runTest(endpoint.id, { eventType: "no.such.type" })).toMatchObject({
      status: 404,
      json: { code: "not_found" },
    });
    // A payload does not excuse an unknown event type.
    expect((await runTest(endpoint.id, { eventType: "no.such.type", payload: { a: 1 } })).status).toBe(404);
    expect((await runTest("ep_nope", { eventType: "invoice.paid" })).status).toBe(404);
    expect(
      (
        await rawCall(herald, "POST", `/api/v1/app/app_nope/endpoint/${endpoint.id}/test`, {
          body: { eventType: "invoice.paid" },
        })
      ).status,
    ).toBe(404);
    for (const body of [
      undefined,
      {},
      { eventType: "bad name" },
      { eventType: "invoice.paid", payload: [1] },
    ]) {
      const response = await runTest(endpoint.id, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.json).toMatchObject({ detail: [{ loc: expect.arrayContaining(["body"]) as unknown }] });
    }
    expect(rx.requests).toEqual([]);
  });
});

describe.each(BACKENDS)("endpoint test action behind the SSRF guard on %s", (backend) => {
  let herald: TestHerald;
  const receiver = useReceivers();

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "api", allowedTargets: [] } });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  it("refuses a private address as deliveries do (and works on the api role)", async () => {
    const rx = await receiver();
    const app = (await herald.svix.application.create({ name: "Guarded" })).id;
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/private` });
    const response = await rawCall(herald, "POST", `/api/v1/app/${app}/endpoint/${endpoint.id}/test`, {
      body: { eventType: "svix.ping" },
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ statusCode: 0, errorKind: "ssrf_blocked" });
    expect((response.json as EndpointTestOut).responseBody).toContain("blocked");
    expect(rx.requests).toEqual([]);
    const [attempt] = await rawAttempts(herald, app, endpoint.id);
    expect(attempt).toMatchObject({ errorKind: "ssrf_blocked", responseStatusCode: 0, triggerType: 1 });
  });
});
