/**
 * Delivery end to end through the public API: a real Herald (role `all`, so its engine runs) driven by the
 * `svix` SDK (raw HTTP for Herald's own fields), sending to real receivers on 127.0.0.1 — on every backend.
 * What a receiver gets, what the delivery log then shows, retries on an endpoint's schedule, resend, recover,
 * 410, disabled endpoints, custom headers, form bodies, and the SSRF guard.
 */
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { rawCall } from "../helpers/raw-api.js";
import {
  attemptsReaching,
  createRawEndpoint,
  delay,
  eventually,
  headerRecord,
  rawAttempts,
  useReceivers,
  webhookHeaders,
  webhookId,
} from "./delivery-fixtures.js";

const MINUTE_MS = 60_000;

describe.each(BACKENDS)("delivery end to end on %s", (backend) => {
  let herald: TestHerald;
  const receiver = useReceivers();

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "all", deliveryPollMs: 200 } });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  async function newApp(name: string): Promise<string> {
    return (await herald.svix.application.create({ name })).id;
  }

  it("delivers the payload's exact bytes, signed so that svix and standardwebhooks both verify them", async () => {
    const rx = await receiver();
    const app = await newApp("Signed");
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/hooks/signed` });
    const { key: secret } = await herald.svix.endpoint.getSecret(app, endpoint.id);

    const payload = { user: { id: 1, name: "Zoë" }, tags: ["a", "b"], ok: true };
    const sent = await herald.svix.message.create(app, { eventType: "user.created", payload });
    // Raw JSON as a client wrote it: spacing, key order and a 64-bit integer survive byte for byte.
    const rawPayload = '{ "b" :1,"big": 12345678901234567890 ,"a":[1.50, "x"] }';
    const raw = await rawCall(herald, "POST", `/api/v1/app/${app}/msg`, {
      body: `{"eventType":"user.updated","payload":${rawPayload}}`,
    });
    expect(raw.status).toBe(202);
    const rawId = (raw.json as { id: string }).id;

    const requests = await rx.waitFor(2);
    const bySdk = requests.find((request) => webhookId(request) === sent.id);
    const byRaw = requests.find((request) => webhookId(request) === rawId);
    expect(bySdk?.text).toBe(JSON.stringify(payload));
    expect(byRaw?.text).toBe(rawPayload);

    for (const request of [bySdk!, byRaw!]) {
      expect(request).toMatchObject({ method: "POST", url: "/hooks/signed" });
      const id = webhookId(request)!;
      expect(request.headers).toMatchObject({
        "content-type": "application/json",
        "svix-id": id,
        "webhook-id": id,
      });
      expect(request.headers["user-agent"]).toMatch(/^Herald\//);
      const timestamp = Number(request.headers["svix-timestamp"]);
      expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(30);
      expect(request.headers["webhook-timestamp"]).toBe(request.headers["svix-timestamp"]);
      expect(request.headers["svix-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(request.headers["webhook-signature"]).toBe(request.headers["svix-signature"]);

      // The svix SDK reads the svix-* names; standardwebhooks alone gets only the webhook-* names.
      expect(() => new Webhook(secret).verify(request.text, headerRecord(request.headers))).not.toThrow();
      expect(new StandardWebhook(secret).verify(request.text, webhookHeaders(request.headers))).toEqual(
        JSON.parse(request.text),
      );
      // And the verification means something: one changed byte fails it.
      expect(() =>
        new Webhook(secret).verify(request.text.replace("1", "2"), headerRecord(request.headers)),
      ).toThrow();
    }

    // The delivery log: one successful scheduled attempt, visible by endpoint and by message.
    const byEndpoint = await eventually(async () => {
      const list = await herald.svix.messageAttempt.listByEndpoint(app, endpoint.id);
      return list.data.length === 2 ? list.data : undefined;
    });
    const attempt = byEndpoint.find((item) => item.msgId === sent.id)!;
    expect(attempt).toMatchObject({
      endpointId: endpoint.id,
      url: `${rx.url}/hooks/signed`,
      responseStatusCode: 200,
      status: 0,
      statusText: "success",
      triggerType: 0,
      response: "{}",
    });
    expect(attempt.responseDurationMs).toBeGreaterThanOrEqual(0);
    expect(attempt.timestamp).toBeInstanceOf(Date);
    const byMessage = await herald.svix.messageAttempt.listByMsg(app, sent.id);
    expect(byMessage.data.map((item) => item.id)).toEqual([attempt.id]);
    const full = await herald.svix.messageAttempt.get(app, sent.id, attempt.id);
    expect(full.response).toBe("ok");
    const [withExtras] = await rawAttempts(herald, app, endpoint.id, `event_types=user.created`);
    expect(withExtras).toMatchObject({ attemptNumber: 1, errorKind: null, nextAttempt: null });
  });

  it("retries a failing receiver on the endpoint's schedule, then gives up; resend is one manual attempt", async () => {
    let answer = 500;
    const rx = await receiver(() => ({ status: answer, body: "nope" }));
    const app = await newApp("Failing");
    const endpoint = await createRawEndpoint(herald, app, { url: `${rx.url}/fail`, retrySchedule: [2, 1] });
    const message = await herald.svix.message.create(app, { eventType: "order.paid", payload: { n: 1 } });

    // While a retry is pending, the per-endpoint status listing says Sending, with the retry's time.
    await rx.waitFor(1);
    const sending = await eventually(async () => {
      const list = await herald.svix.messageAttempt.listAttemptedMessages(app, endpoint.id);
      return list.data[0]?.status === 3 ? list.data[0] : undefined;
    });
    expect(sending).toMatchObject({ id: message.id, statusText: "sending" });
    expect(sending.nextAttempt).toBeInstanceOf(Date);

    const requests = await rx.waitFor(3, 10_000);
    // Delays of 2 s and 1 s, each with ±20% jitter.
    expect(requests[1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(1_500);
    expect(requests[2]!.receivedAt - requests[1]!.receivedAt).toBeGreaterThanOrEqual(700);
    expect(requests.every((request) => webhookId(request) === message.id)).toBe(true);

    const attempts = (await attemptsReaching(herald, app, endpoint.id, 3)).reverse();
    expect(
      attempts.map((attempt) => [attempt.attemptNumber, attempt.status, attempt.responseStatusCode]),
    ).toEqual([
      [1, 2, 500],
      [2, 2, 500],
      [3, 2, 500],
    ]);
    expect(attempts.map((attempt) => attempt.response)).toEqual(["nope", "nope", "nope"]);
    expect(attempts.every((attempt) => attempt.triggerType === 0)).toBe(true);
    // nextAttempt: when the retry was due (after the attempt, within the jittered delay); none after the last.
    for (const [index, seconds] of [2, 1].entries()) {
      const attempt = attempts[index]!;
      const due = Date.parse(attempt.nextAttempt ?? "");
      const gap = due - Date.parse(attempt.timestamp);
      expect(gap).toBeGreaterThanOrEqual(seconds * 800);
      expect(gap).toBeLessThan(seconds * 1200 + 1_000);
    }
    expect(attempts[2]!.nextAttempt).toBeNull();
    const failed = await eventually(async () => {
      const list = await herald.svix.messageAttempt.listAttemptedMessages(app, endpoint.id);
      return list.data[0]?.status === 2 ? list.data[0] : undefined;
    });
    expect(failed).toMatchObject({ id: message.id, statusText: "fail", nextAttempt: null });
    const onlyFailed = await herald.svix.messageAttempt.listAttemptedMessages(app, endpoint.id, {
      status: 2,
    });
    expect(onlyFailed.data.map((row) => row.id)).toEqual([message.id]);

    // A resend is one manual attempt with no schedule — even with a schedule that would retry at once.
    const patched = await rawCall(herald, "PATCH", `/api/v1/app/${app}/endpoint/${endpoint.id}`, {
      body: { retrySchedule: [0, 0] },
    });
    expect(patched.status).toBe(200);
    expect(await herald.svix.messageAttempt.resend(app, message.id, endpoint.id)).toEqual({});
    await rx.waitFor(4);
    const [manual] = await attemptsReaching(herald, app, endpoint.id, 4);
    expect(manual).toMatchObject({
      msgId: message.id,
      triggerType: 1,
      attemptNumber: 1,
      status: 2,
      responseStatusCode: 500,
      nextAttempt: null,
    });
    await delay(300);
    expect(rx.requests).toHaveLength(4);
    expect(await herald.store.nextDueAt()).toBeNull();

    // Recover re-sends what failed in the window; now the receiver accepts it.
    answer = 200;
    const task = await herald.svix.endpoint.recover(app, endpoint.id, {
      since: new Date(Date.now() - 5 * MINUTE_MS),
    });
    expect(task).toMatchObject({ status: "running", task: "endpoint.recover" });
    const [, , , , recovered] = await rx.waitFor(5);
    expect(webhookId(recovered!)).toBe(message.id);
    const [latest] = await attemptsReaching(herald, app, endpoint.id, 5);
    expect(latest).toMatchObject({ triggerType: 1, status: 0, responseStatusCode: 200 });
    const succeeded = await herald.svix.messageAttempt.listAttemptedMessages(app, endpoint.id);
    expect(succeeded.data[0]).toMatchObject({ id: message.id, status: 0, statusText: "success" });

    // Nothing left to recover.
    await herald.svix.endpoint.recover(app, endpoint.id, { since: new Date(Date.now() - 5 * MINUTE_MS) });
    await herald.herald.services.endpoints.whenIdle();
    await delay(200);
    expect(rx.requests).toHaveLength(5);
  }, 20_000);

  it("disables an endpoint that answers 410 Gone; a disabled endpoint receives nothing", async () => {
    const gone = await receiver(() => ({ status: 410, body: "gone" }));
    const healthy = await receiver();
    const app = await newApp("Gone");
    const goneEndpoint = await herald.svix.endpoint.create(app, { url: `${gone.url}/gone` });
    await herald.svix.endpoint.create(app, { url: `${healthy.url}/healthy` });

    await herald.svix.message.create(app, { eventType: "a", payload: { n: 1 } });
    await gone.waitFor(1);
    const disabled = await eventually(async () => {
      const endpoint = await herald.svix.endpoint.get(app, goneEndpoint.id);
      return endpoint.disabled ? endpoint : undefined;
    });
    expect(disabled.disabled).toBe(true);
    const [attempt] = await attemptsReaching(herald, app, goneEndpoint.id, 1);
    // Not retried, although the default schedule has seven more attempts.
    expect(attempt).toMatchObject({ responseStatusCode: 410, status: 2, nextAttempt: null });

    const second = await herald.svix.message.create(app, { eventType: "a", payload: { n: 2 } });
    await eventually(() => healthy.requests.some((request) => webhookId(request) === second.id));
    await delay(300);
    expect(gone.requests).toHaveLength(1);
    expect(await rawAttempts(herald, app, goneEndpoint.id)).toHaveLength(1);
  });

  it("sends nothing to an endpoint created disabled, and sends an endpoint's custom headers", async () => {
    const off = await receiver();
    const on = await receiver();
    const app = await newApp("Headers");
    const offEndpoint = await herald.svix.endpoint.create(app, { url: `${off.url}/off`, disabled: true });
    const onEndpoint = await herald.svix.endpoint.create(app, {
      url: `${on.url}/on`,
      headers: { "X-Tenant": "acme", Authorization: "Bearer receiver-token" },
    });
    await herald.svix.endpoint.patchHeaders(app, onEndpoint.id, { headers: { "X-Trace": "t-1" } });

    const message = await herald.svix.message.create(app, { eventType: "a", payload: {} });
    const [request] = await on.waitFor(1);
    expect(webhookId(request!)).toBe(message.id);
    expect(request!.headers).toMatchObject({
      "x-tenant": "acme",
      "x-trace": "t-1",
      authorization: "Bearer receiver-token",
    });
    await attemptsReaching(herald, app, onEndpoint.id, 1);
    await delay(300);
    expect(off.requests).toHaveLength(0);
    expect(await rawAttempts(herald, app, offEndpoint.id)).toEqual([]);
  });

  it("sends a form-encoded body to a `form` endpoint, signed over the bytes sent", async () => {
    const rx = await receiver();
    const app = await newApp("Form");
    const endpoint = await createRawEndpoint(herald, app, { url: `${rx.url}/form`, payloadFormat: "form" });
    const { key: secret } = await herald.svix.endpoint.getSecret(app, endpoint.id);
    await herald.svix.message.create(app, {
      eventType: "call.ended",
      payload: { type: "call.ended", data: { call: { id: 7, tags: ["a", "b"], note: null } } },
    });
    const [request] = await rx.waitFor(1);
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request!.text).toBe(
      "type=call.ended&data%5Bcall%5D%5Bid%5D=7&data%5Bcall%5D%5Btags%5D%5B0%5D=a&data%5Bcall%5D%5Btags%5D%5B1%5D=b&data%5Bcall%5D%5Bnote%5D=",
    );
    expect(Object.fromEntries(new URLSearchParams(request!.text))).toEqual({
      type: "call.ended",
      "data[call][id]": "7",
      "data[call][tags][0]": "a",
      "data[call][tags][1]": "b",
      "data[call][note]": "",
    });
    expect(() => new Webhook(secret).verify(request!.text, headerRecord(request!.headers))).not.toThrow();
  });

  it("filters attempt lists by status, status code class, event types and time", async () => {
    // The receiver refuses payloads that say so; no retries, so each message has exactly one attempt.
    const rx = await receiver((request) =>
      request.text.includes('"ok":false') ? { status: 400 } : undefined,
    );
    const app = await newApp("Filters");
    const endpoint = await createRawEndpoint(herald, app, { url: `${rx.url}/filters`, retrySchedule: [] });
    const m1 = await herald.svix.message.create(app, { eventType: "order.ok", payload: { ok: true } });
    const m2 = await herald.svix.message.create(app, { eventType: "order.failed", payload: { ok: false } });
    await attemptsReaching(herald, app, endpoint.id, 2);
    await delay(10);
    const boundary = new Date();
    await delay(10);
    const m3 = await herald.svix.message.create(app, { eventType: "order.ok", payload: { ok: true } });
    await attemptsReaching(herald, app, endpoint.id, 3);

    const ids = async (query: string) =>
      (await rawAttempts(herald, app, endpoint.id, query)).map((attempt) => attempt.msgId).sort();
    expect(await ids("status=0")).toEqual([m1.id, m3.id].sort());
    expect(await ids("status=2")).toEqual([m2.id]);
    expect(await ids("status_code_class=200")).toEqual([m1.id, m3.id].sort());
    expect(await ids("status_code_class=400")).toEqual([m2.id]);
    expect(await ids("status_code_class=500")).toEqual([]);
    expect(await ids("event_types=order.failed")).toEqual([m2.id]);
    expect(await ids("event_types=order.failed,order.ok")).toHaveLength(3);
    expect(await ids(`before=${encodeURIComponent(boundary.toISOString())}`)).toEqual([m1.id, m2.id].sort());
    expect(await ids(`after=${encodeURIComponent(boundary.toISOString())}`)).toEqual([m3.id]);

    // The same filters through the SDK, by endpoint and by message.
    const sdk = herald.svix.messageAttempt;
    expect((await sdk.listByEndpoint(app, endpoint.id, { status: 2 })).data.map((a) => a.msgId)).toEqual([
      m2.id,
    ]);
    expect((await sdk.listByEndpoint(app, endpoint.id, { statusCodeClass: 400 })).data).toHaveLength(1);
    expect((await sdk.listByEndpoint(app, endpoint.id, { eventTypes: ["order.ok"] })).data).toHaveLength(2);
    expect(
      (await sdk.listByEndpoint(app, endpoint.id, { after: boundary })).data.map((a) => a.msgId),
    ).toEqual([m3.id]);
    expect((await sdk.listByEndpoint(app, endpoint.id, { before: boundary })).data).toHaveLength(2);
    expect((await sdk.listByMsg(app, m2.id, { status: 0 })).data).toEqual([]);
    expect((await sdk.listByMsg(app, m2.id, { status: 2 })).data).toHaveLength(1);
    expect((await sdk.listByMsg(app, m1.id, { statusCodeClass: 200 })).data).toHaveLength(1);
  });
});

describe.each(BACKENDS)("the SSRF guard on %s", (backend) => {
  let herald: TestHerald;
  const receiver = useReceivers();

  beforeAll(async () => {
    // No allowed targets: loopback is refused, as in a default production configuration.
    herald = await startTestHerald({ backend, config: { role: "all", allowedTargets: [] } });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  it("records a blocked address as a failed attempt with status code 0 and errorKind ssrf_blocked", async () => {
    const rx = await receiver();
    const app = (await herald.svix.application.create({ name: "SSRF" })).id;
    const endpoint = await createRawEndpoint(herald, app, { url: `${rx.url}/internal`, retrySchedule: [] });
    const message = await herald.svix.message.create(app, { eventType: "a", payload: { n: 1 } });

    const [attempt] = await attemptsReaching(herald, app, endpoint.id, 1);
    expect(attempt).toMatchObject({
      msgId: message.id,
      responseStatusCode: 0,
      status: 2,
      statusText: "fail",
      errorKind: "ssrf_blocked",
      nextAttempt: null,
    });
    expect(attempt!.response).toContain("blocked");
    expect(attempt!.response).toContain("127.0.0.1");
    const sdk = await herald.svix.messageAttempt.listByEndpoint(app, endpoint.id, { statusCodeClass: 0 });
    expect(sdk.data.map((item) => item.responseStatusCode)).toEqual([0]);
    expect(rx.requests).toEqual([]);
  });
});
