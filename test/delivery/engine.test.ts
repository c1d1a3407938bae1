/**
 * The delivery engine end to end — what receivers get and what the delivery log records: a real store (every
 * backend), real receivers on 127.0.0.1, messages accepted through `store.acceptMessages`, signatures checked
 * with the `svix` package.
 */
import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { formUrlEncodeJsonText } from "../../src/domain/form-encoding.js";
import { generateSecret } from "../../src/domain/secrets.js";
import { MessageStatus, TriggerType, type Endpoint } from "../../src/domain/types.js";
import { BACKENDS } from "../helpers/databases.js";
import {
  attemptsOf,
  byPath,
  createApp,
  delay,
  destinationsOf,
  eventually,
  headerRecord,
  sendMessages,
  useEngineHarness,
} from "./fixtures.js";

describe.each(BACKENDS)("delivery engine (%s)", (backend) => {
  const h = useEngineHarness(backend);

  async function secretOf(endpoint: Endpoint): Promise<string> {
    const [current] = await h.store.getEndpointSecrets(endpoint.id, Date.now());
    if (!current) throw new Error("endpoint has no secret");
    return current.key;
  }

  it("delivers an accepted message to every matching endpoint, byte for byte, signed, with custom headers", async () => {
    const rx = await h.receiver();
    const { app, endpoints } = await createApp(h.store, [
      { url: `${rx.url}/all`, headers: { "X-Tenant": "acme", Authorization: "Bearer abc" } },
      { url: `${rx.url}/users`, eventTypes: ["user.created"] },
      { url: `${rx.url}/invoices`, eventTypes: ["invoice.paid"] },
    ]);
    h.engine();
    const payload = '{"id": 1,  "spaced":true, "big": 12345678901234567890}';
    const [message] = await sendMessages(h.store, app.id, [payload], { eventType: "user.created" });

    await rx.waitFor(2);
    await delay(150);
    expect(rx.requests.map((request) => request.url).sort()).toEqual(["/all", "/users"]);
    for (const request of rx.requests) {
      const endpoint = endpoints.find((candidate) => candidate.url === `${rx.url}${request.url}`) as Endpoint;
      expect(request.method).toBe("POST");
      expect(request.text).toBe(payload);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["user-agent"]).toBe("Herald/test");
      expect(request.headers["svix-id"]).toBe(message?.id);
      expect(request.headers["webhook-id"]).toBe(message?.id);
      const headers = headerRecord(request.headers);
      const webhook = new Webhook(await secretOf(endpoint));
      expect(() => webhook.verify(request.text, headers)).not.toThrow();
      // The unbranded trio verifies on its own as well.
      const unbranded = Object.fromEntries(
        Object.entries(headers).filter(([name]) => !name.startsWith("svix-")),
      );
      expect(() => webhook.verify(request.text, unbranded)).not.toThrow();
      // …and not with any other secret.
      expect(() => new Webhook(generateSecret()).verify(request.text, headers)).toThrow();
    }
    const [all] = byPath(rx.requests, "/all");
    expect(all?.headers["x-tenant"]).toBe("acme");
    expect(all?.headers.authorization).toBe("Bearer abc");

    const attempts = await eventually(async () => {
      const found = await attemptsOf(h.store, app.id);
      return found.length === 2 && found;
    });
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({
        messageId: message?.id,
        eventType: "user.created",
        status: MessageStatus.Success,
        responseStatusCode: 200,
        response: "ok",
        trigger: TriggerType.Scheduled,
        attemptNumber: 1,
        errorKind: null,
        nextAttemptAt: null,
      });
    }
    const destinations = await destinationsOf(h.store, app.id, message!.id);
    expect(destinations.map((destination) => destination.status)).toEqual([
      MessageStatus.Success,
      MessageStatus.Success,
    ]);
  });

  it.each([0, 2])(
    "delivers and signs the same with %i send threads (0: on the engine's thread)",
    async (threads) => {
      const rx = await h.receiver();
      const { app, endpoints } = await createApp(h.store, [{ url: `${rx.url}/a` }, { url: `${rx.url}/b` }]);
      h.engine({ sendThreads: threads });
      const payloads = Array.from({ length: 20 }, (_, i) => `{"n":${i}}`);
      await sendMessages(h.store, app.id, payloads);
      await rx.waitFor(40);
      for (const endpoint of endpoints) {
        const webhook = new Webhook(await secretOf(endpoint));
        const requests = rx.requests.filter((request) => `${rx.url}${request.url}` === endpoint.url);
        expect(requests.map((request) => request.text).sort()).toEqual([...payloads].sort());
        for (const request of requests)
          expect(() => webhook.verify(request.text, headerRecord(request.headers))).not.toThrow();
      }
      const succeeded = await eventually(async () => {
        const attempts = (await attemptsOf(h.store, app.id)).filter(
          (attempt) => attempt.responseStatusCode === 200,
        );
        return attempts.length >= 40 && attempts;
      });
      expect(succeeded).toHaveLength(40);
    },
  );
  it("sends form-encoded bodies to form endpoints and signs what it sends", async () => {
    const rx = await h.receiver();
    const { app, endpoints } = await createApp(h.store, [{ url: `${rx.url}/form`, payloadFormat: "form" }]);
    h.engine();
    const payload = '{"type": "call.ended", "data": {"call": {"id": 7, "tags": ["a", "b"], "note": null}}}';
    await sendMessages(h.store, app.id, [payload]);

    const [request] = await rx.waitFor(1);
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request?.text).toBe(formUrlEncodeJsonText(payload));
    expect(new URLSearchParams(request?.text).get("data[call][tags][1]")).toBe("b");
    const webhook = new Webhook(await secretOf(endpoints[0] as Endpoint));
    expect(() => webhook.verify(request?.text ?? "", headerRecord(request?.headers ?? {}))).not.toThrow();
  });

  it("retries failures on the endpoint's schedule, else the application's, and fails the delivery when it is exhausted", async () => {
    const rx = await h.receiver(() => ({ status: 500, body: "nope" }));
    const { app } = await createApp(
      h.store,
      [{ url: `${rx.url}/own-schedule`, retrySchedule: [0.05, 0.1] }, { url: `${rx.url}/app-schedule` }],
      { retrySchedule: [0.05] },
    );
    h.engine();
    const [message] = await sendMessages(h.store, app.id, ['{"n": 1}']);

    await rx.waitFor(5);
    await delay(400);
    const own = byPath(rx.requests, "/own-schedule");
    expect(own).toHaveLength(3);
    expect(byPath(rx.requests, "/app-schedule")).toHaveLength(2);
    // Delays of 50 and 100 ms with ±20% jitter.
    expect(own[1]!.receivedAt - own[0]!.receivedAt).toBeGreaterThanOrEqual(40);
    expect(own[2]!.receivedAt - own[1]!.receivedAt).toBeGreaterThanOrEqual(80);

    const attempts = await eventually(async () => {
      const found = await attemptsOf(h.store, app.id, message!.id);
      return found.length === 5 && found;
    });
    const ownAttempts = attempts.filter((attempt) => attempt.url.endsWith("/own-schedule"));
    expect(ownAttempts.map((attempt) => attempt.attemptNumber).sort()).toEqual([1, 2, 3]);
    for (const attempt of ownAttempts) {
      expect(attempt).toMatchObject({
        status: MessageStatus.Fail,
        responseStatusCode: 500,
        response: "nope",
        errorKind: null,
      });
      expect(attempt.nextAttemptAt === null).toBe(attempt.attemptNumber === 3);
    }
    const destinations = await eventually(async () => {
      const found = await destinationsOf(h.store, app.id, message!.id);
      return found.every((destination) => destination.status === MessageStatus.Fail) && found;
    });
    expect(destinations).toHaveLength(2);
  });

  it("disables an endpoint that answers 410 Gone, without retrying", async () => {
    const rx = await h.receiver(() => ({ status: 410 }));
    const { app, endpoints } = await createApp(h.store, [
      { url: `${rx.url}/gone`, retrySchedule: [0.05, 0.05] },
    ]);
    h.engine();
    const [message] = await sendMessages(h.store, app.id, ["{}"]);

    const endpoint = await eventually(async () => {
      const found = await h.store.getEndpoint(app.id, endpoints[0]!.id);
      return found?.disabled === true && found;
    });
    expect(endpoint.disabled).toBe(true);
    await delay(300);
    expect(rx.requests).toHaveLength(1);
    const [attempt] = await attemptsOf(h.store, app.id);
    expect(attempt).toMatchObject({
      status: MessageStatus.Fail,
      responseStatusCode: 410,
      nextAttemptAt: null,
    });
    const [destination] = await destinationsOf(h.store, app.id, message!.id);
    expect(destination?.status).toBe(MessageStatus.Fail);
  });

  it("stops the pending retries of an endpoint that is disabled, deleting nothing", async () => {
    const rx = await h.receiver(() => ({ status: 503 }));
    const { app, endpoints } = await createApp(h.store, [{ url: `${rx.url}/flaky`, retrySchedule: [0.3] }]);
    h.engine();
    const [message] = await sendMessages(h.store, app.id, ["{}"]);
    await rx.waitFor(1);
    await eventually(async () => (await attemptsOf(h.store, app.id)).length === 1);
    await h.store.updateEndpoint({ ...endpoints[0]!, disabled: true, updatedAt: Date.now() });

    await delay(700);
    expect(rx.requests).toHaveLength(1);
    expect(await attemptsOf(h.store, app.id)).toHaveLength(1);
    // No retry is pending any more; the status listing shows the last attempt's.
    const [destination] = await destinationsOf(h.store, app.id, message!.id);
    expect(destination).toMatchObject({ status: MessageStatus.Fail, nextAttemptAt: null });
    expect(await h.store.getMessage(app.id, message!.id)).not.toBeNull();
  });

  it("records a receiver that does not answer within the endpoint's timeout as a timeout", async () => {
    const rx = await h.receiver(() => ({ delayMs: 1_500 }));
    const { app } = await createApp(h.store, [{ url: `${rx.url}/slow`, timeoutSeconds: 1 }]);
    h.engine();
    await sendMessages(h.store, app.id, ["{}"]);

    const [attempt] = await eventually(async () => {
      const found = await attemptsOf(h.store, app.id);
      return found.length === 1 && found;
    });
    expect(attempt).toMatchObject({
      status: MessageStatus.Fail,
      responseStatusCode: 0,
      errorKind: "timeout",
    });
    expect(attempt!.responseDurationMs).toBeGreaterThanOrEqual(900);
    expect(attempt!.responseDurationMs).toBeLessThan(1_500);
    // The policy gives a receiver that timed out at least a minute.
    expect(attempt!.nextAttemptAt! - attempt!.createdAt).toBeGreaterThanOrEqual(60_000);
  });

  it("records a blocked target as ssrf_blocked and stops after its schedule", async () => {
    const { app } = await createApp(h.store, [{ url: "http://10.255.255.1/hook", retrySchedule: [0.05] }]);
    h.engine();
    const [message] = await sendMessages(h.store, app.id, ["{}"]);

    await eventually(async () => (await attemptsOf(h.store, app.id)).length === 2);
    await delay(300);
    const attempts = await attemptsOf(h.store, app.id);
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts)
      expect(attempt).toMatchObject({ errorKind: "ssrf_blocked", responseStatusCode: 0 });
    const [destination] = await destinationsOf(h.store, app.id, message!.id);
    expect(destination?.status).toBe(MessageStatus.Fail);
  });

  it("makes exactly one attempt for a manual delivery", async () => {
    const rx = await h.receiver(() => ({ status: 500 }));
    // The endpoint does not subscribe to the event, so only the manual delivery reaches it.
    const { app, endpoints } = await createApp(h.store, [
      { url: `${rx.url}/manual`, eventTypes: ["other.event"] },
    ]);
    const [message] = await sendMessages(h.store, app.id, ["{}"]);
    await h.store.enqueueManualDeliveries(
      [{ appId: app.id, messageId: message!.id, endpointId: endpoints[0]!.id }],
      Date.now(),
    );
    h.engine();

    await rx.waitFor(1);
    await delay(400);
    expect(rx.requests).toHaveLength(1);
    const attempts = await attemptsOf(h.store, app.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      trigger: TriggerType.Manual,
      status: MessageStatus.Fail,
      nextAttemptAt: null,
    });
  });
});
