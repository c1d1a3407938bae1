/**
 * The application-wide delivery log, `GET /api/v1/app/{app_id}/attempt` (Herald's addition), and the request
 * headers every attempt records: a real Herald delivering to real receivers, on every backend.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageAttemptOut } from "../../src/http/schemas/attempts.js";
import type { ListResponse } from "../../src/http/schemas/common.js";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { rawCall } from "../helpers/raw-api.js";
import { delay, startReceiver, type Receiver } from "../helpers/receiver.js";
import { createRawEndpoint, eventually, webhookId } from "./delivery-fixtures.js";

const RECEIVER_TOKEN = "Bearer s3cret-receiver-token";

describe.each(BACKENDS)("application-wide delivery log on %s", (backend) => {
  let herald: TestHerald;
  let ok: Receiver;
  let failing: Receiver;
  let appId: string;
  let okEndpointId: string;
  let failingEndpointId: string;
  /** Message ids in sending order: user.created (channel eu), order.paid, user.created. */
  const messageIds: string[] = [];
  /** Between the first two messages' attempts and the third's. */
  let between: string;

  const log = async (query = "") => {
    const response = await rawCall(herald, "GET", `/api/v1/app/${appId}/attempt${query ? `?${query}` : ""}`);
    expect(response.status, response.text).toBe(200);
    return { ...(response.json as ListResponse<MessageAttemptOut>), text: response.text };
  };
  const describeAll = (attempts: MessageAttemptOut[]) =>
    attempts.map(
      (a) =>
        `${messageIds.indexOf(a.msgId)}/${a.endpointId === okEndpointId ? "ok" : a.endpointId === failingEndpointId ? "failing" : a.endpointId}/${a.responseStatusCode}`,
    );

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "all", deliveryPollMs: 200 } });
    ok = await startReceiver();
    failing = await startReceiver(() => ({ status: 500, body: "down" }));
    appId = (await herald.svix.application.create({ name: "Log" })).id;
    okEndpointId = (
      await createRawEndpoint(herald, appId, {
        url: `${ok.url}/ok`,
        headers: { Authorization: RECEIVER_TOKEN, "X-Tenant": "acme" },
      })
    ).id;
    failingEndpointId = (
      await createRawEndpoint(herald, appId, {
        url: `${failing.url}/fail`,
        uid: "failing-hook",
        retrySchedule: [],
      })
    ).id;

    const send = async (eventType: string, channels?: string[]) => {
      const message = await herald.svix.message.create(appId, {
        eventType,
        payload: { n: messageIds.length },
        ...(channels ? { channels } : {}),
      });
      messageIds.push(message.id);
    };
    await send("user.created", ["eu"]);
    await send("order.paid");
    await Promise.all([ok.waitFor(2), failing.waitFor(2)]);
    await eventually(async () => (await log()).data.length === 4);
    await delay(20);
    between = new Date().toISOString();
    await delay(20);
    await send("user.created");
    await Promise.all([ok.waitFor(3), failing.waitFor(3)]);
    await eventually(async () => (await log()).data.length === 6);
  });

  afterAll(async () => {
    await Promise.all([ok?.close(), failing?.close()]);
    await herald?.stop();
  });

  it("lists every endpoint's attempts, newest first", async () => {
    const { data, done } = await log();
    expect(done).toBe(true);
    expect(data.map((a) => a.id)).toEqual(
      data
        .map((a) => a.id)
        .sort()
        .reverse(),
    );
    expect(describeAll(data).sort()).toEqual(
      ["0/ok/200", "1/ok/200", "2/ok/200", "0/failing/500", "1/failing/500", "2/failing/500"].sort(),
    );
    // Newest first: the third message's attempts lead.
    expect(describeAll(data.slice(0, 2)).map((d) => d.split("/")[0])).toEqual(["2", "2"]);
  });

  it("filters by endpoint (id or uid), status, status code class, event type, channel and time", async () => {
    const described = async (query: string) => describeAll((await log(query)).data).sort();
    expect(await described(`endpoint_id=${okEndpointId}`)).toEqual(["0/ok/200", "1/ok/200", "2/ok/200"]);
    expect(await described("endpoint_id=failing-hook")).toEqual([
      "0/failing/500",
      "1/failing/500",
      "2/failing/500",
    ]);
    expect(await described("status=2")).toEqual(["0/failing/500", "1/failing/500", "2/failing/500"]);
    expect(await described("status=0&endpoint_id=failing-hook")).toEqual([]);
    expect(await described("status_code_class=200")).toEqual(["0/ok/200", "1/ok/200", "2/ok/200"]);
    expect(await described("status_code_class=500")).toEqual([
      "0/failing/500",
      "1/failing/500",
      "2/failing/500",
    ]);
    expect(await described("event_types=order.paid")).toEqual(["1/failing/500", "1/ok/200"]);
    expect(await described("channel=eu")).toEqual(["0/failing/500", "0/ok/200"]);
    expect(await described(`after=${between}`)).toEqual(["2/failing/500", "2/ok/200"]);
    expect(await described(`before=${between}`)).toEqual([
      "0/failing/500",
      "0/ok/200",
      "1/failing/500",
      "1/ok/200",
    ]);
  });

  it("pages with iterator and prevIterator", async () => {
    const all = (await log()).data.map((a) => a.id);
    const first = await log("limit=4");
    expect(first.data.map((a) => a.id)).toEqual(all.slice(0, 4));
    expect(first.done).toBe(false);
    const second = await log(`limit=4&iterator=${first.iterator}`);
    expect(second.data.map((a) => a.id)).toEqual(all.slice(4));
    expect(second.done).toBe(true);
    const back = await log(`limit=4&iterator=${second.prevIterator}`);
    expect(back.data.map((a) => a.id)).toEqual(all.slice(0, 4));
  });

  it("answers 404 for an unknown endpoint and 422 for a bad filter", async () => {
    const unknown = await rawCall(herald, "GET", `/api/v1/app/${appId}/attempt?endpoint_id=ep_nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: "not_found" });
    const bad = await rawCall(herald, "GET", `/api/v1/app/${appId}/attempt?status_code_class=250`);
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ detail: [{ loc: ["query", "status_code_class"] }] });
    const otherApp = (await herald.svix.application.create({ name: "Other" })).id;
    const empty = await rawCall(herald, "GET", `/api/v1/app/${otherApp}/attempt`);
    expect(empty.json).toMatchObject({ data: [], done: true });
  });

  it("records the request headers sent, signature headers included and credentials masked", async () => {
    const { data, text } = await log(`endpoint_id=${okEndpointId}`);
    expect(text).not.toContain("s3cret");
    for (const attempt of data) {
      const headers = attempt.requestHeaders!;
      expect(headers).toMatchObject({
        "content-type": "application/json",
        "webhook-id": attempt.msgId,
        "svix-id": attempt.msgId,
        Authorization: "********",
        "X-Tenant": "acme",
      });
      expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(headers["user-agent"]).toMatch(/^Herald\//);
      // Exactly what the receiver got, but for the masked credential (which it got in full).
      const received = ok.requests.find((request) => webhookId(request) === attempt.msgId)!;
      expect(received.headers.authorization).toBe(RECEIVER_TOKEN);
      for (const [name, value] of Object.entries(headers)) {
        if (name !== "Authorization") expect(received.headers[name.toLowerCase()], name).toBe(value);
      }
    }
    // A failed attempt records what it sent too.
    const [failed] = (await log("endpoint_id=failing-hook")).data;
    expect(failed!.requestHeaders).toMatchObject({ "webhook-id": failed!.msgId });
  });

  it("leaves the headers out without content, and keeps them through an expunge", async () => {
    const { data } = await log("with_content=false");
    for (const attempt of data) expect(attempt).toMatchObject({ response: "{}", requestHeaders: {} });
    const [attempt] = (await log(`endpoint_id=${okEndpointId}`)).data;
    const one = await rawCall(
      herald,
      "GET",
      `/api/v1/app/${appId}/msg/${attempt!.msgId}/attempt/${attempt!.id}`,
    );
    expect((one.json as MessageAttemptOut).requestHeaders).toEqual(attempt!.requestHeaders);
    const expunge = await rawCall(
      herald,
      "DELETE",
      `/api/v1/app/${appId}/msg/${attempt!.msgId}/attempt/${attempt!.id}/content`,
    );
    expect(expunge.status).toBe(204);
    const after = await rawCall(
      herald,
      "GET",
      `/api/v1/app/${appId}/msg/${attempt!.msgId}/attempt/${attempt!.id}`,
    );
    expect(after.json).toMatchObject({ response: "EXPUNGED", requestHeaders: attempt!.requestHeaders });
  });

  it("records a test send's request headers like an engine attempt's, credentials masked", async () => {
    // An application of its own: the attempts above stay as the other tests count them.
    const testApp = (await herald.svix.application.create({ name: "Test sends" })).id;
    const endpoint = await createRawEndpoint(herald, testApp, {
      url: `${ok.url}/tested`,
      headers: { Authorization: RECEIVER_TOKEN, "X-Tenant": "acme" },
    });
    const failingEndpoint = await createRawEndpoint(herald, testApp, { url: `${failing.url}/tested` });
    const testSend = async (endpointId: string) => {
      const response = await rawCall(herald, "POST", `/api/v1/app/${testApp}/endpoint/${endpointId}/test`, {
        body: { eventType: "svix.ping" },
      });
      expect(response.status, response.text).toBe(200);
      return response.json as { msgId: string; attemptId: string; statusCode: number };
    };
    const sent = await testSend(endpoint.id);
    const failed = await testSend(failingEndpoint.id);
    expect([sent.statusCode, failed.statusCode]).toEqual([200, 500]);

    const response = await rawCall(herald, "GET", `/api/v1/app/${testApp}/attempt`);
    expect(response.text).not.toContain("s3cret");
    const attempts = (response.json as ListResponse<MessageAttemptOut>).data;
    const attempt = attempts.find((a) => a.id === sent.attemptId)!;
    expect(attempt).toMatchObject({ msgId: sent.msgId, triggerType: 1 });
    const headers = attempt.requestHeaders!;
    expect(headers).toMatchObject({
      "content-type": "application/json",
      "webhook-id": sent.msgId,
      Authorization: "********",
      "X-Tenant": "acme",
    });
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const received = ok.requests.find((request) => webhookId(request) === sent.msgId)!;
    expect(received.headers.authorization).toBe(RECEIVER_TOKEN);
    for (const [name, value] of Object.entries(headers)) {
      if (name !== "Authorization") expect(received.headers[name.toLowerCase()], name).toBe(value);
    }
    // A test answered with a failure records what it sent too.
    const failedAttempt = attempts.find((a) => a.id === failed.attemptId)!;
    expect(failedAttempt.requestHeaders).toMatchObject({ "webhook-id": failed.msgId });
    expect(failedAttempt.requestHeaders!["webhook-signature"]).toMatch(/^v1,/);
  });
});
