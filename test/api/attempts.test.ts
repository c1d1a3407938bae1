/**
 * Attempts and delivery status listings (svix-api.md §7–8) through a real Herald. Attempts are produced with
 * the real store (claim + complete, as the engine does) on a Herald that runs no delivery engine, so every
 * outcome is the one the test chose.
 *
 * The world: messages m1 (channel vip), m2, m3 to endpoints A (uid "ep-a") and B.
 *   round 1 (t0):       A answers 500 (retry in 60 s) to all three; B answers 200 to all three.
 *   round 2 (t0 + 61s): A answers m1 with 200, m2 with a timeout (no retry: failed), m3 with 503 (retry in 1 h).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isIdOf } from "../../src/domain/ids.js";
import type { MessageAttemptOut } from "../../src/http/schemas/attempts.js";
import { deliverDue } from "../helpers/attempts.js";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { apiError, rawCall } from "../helpers/raw-api.js";

const ROUND_2_DELAY_MS = 61_000;
const RETRY_LATER_MS = 60 * 60 * 1000;

describe.each(BACKENDS)("attempts on %s", (backend) => {
  let herald: TestHerald;
  let app: string;
  let epA: string;
  let epB: string;
  let m1: string;
  let m2: string;
  let m3: string;
  let t0: number;

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "api" } });
    const svix = herald.svix;
    app = (await svix.application.create({ name: "Attempts", uid: "attempts-app" })).id;
    epA = (
      await svix.endpoint.create(app, { url: "https://example.com/a", uid: "ep-a", metadata: { team: "a" } })
    ).id;
    epB = (await svix.endpoint.create(app, { url: "https://example.com/b" })).id;
    m1 = (
      await svix.message.create(app, {
        eventType: "order.created",
        payload: { n: 1 },
        eventId: "m1",
        channels: ["vip"],
      })
    ).id;
    m2 = (await svix.message.create(app, { eventType: "order.updated", payload: { n: 2 }, eventId: "m2" }))
      .id;
    m3 = (await svix.message.create(app, { eventType: "order.deleted", payload: { n: 3 }, eventId: "m3" }))
      .id;

    t0 = Date.now();
    await deliverDue(
      herald.store,
      (claimed) =>
        claimed.endpoint.id === epA
          ? { statusCode: 500, response: "boom", retryInMs: 60_000 }
          : { statusCode: 200, response: `ok ${claimed.message.eventType}` },
      t0,
    );
    await deliverDue(
      herald.store,
      (claimed) => {
        if (claimed.message.id === m1) return { statusCode: 200, response: "recovered" };
        if (claimed.message.id === m2)
          return { statusCode: 0, response: "request timed out", errorKind: "timeout" };
        return { statusCode: 503, response: "unavailable", retryInMs: RETRY_LATER_MS };
      },
      t0 + ROUND_2_DELAY_MS,
    );
  });
  afterAll(async () => {
    await herald?.stop();
  });

  async function rawList(path: string): Promise<MessageAttemptOut[]> {
    const response = await rawCall(herald, "GET", `/api/v1/app/${app}${path}`);
    expect(response.status).toBe(200);
    return (response.json as { data: MessageAttemptOut[] }).data;
  }

  it("lists an endpoint's attempts newest first (by id or uid), without content as the SDK asks", async () => {
    const list = await herald.svix.messageAttempt.listByEndpoint(app, "ep-a");
    expect(list.data).toHaveLength(6);
    expect(list.done).toBe(true);
    for (const attempt of list.data) {
      expect(isIdOf("attempt", attempt.id)).toBe(true);
      expect(attempt).toMatchObject({
        endpointId: epA,
        url: "https://example.com/a",
        response: "{}",
        triggerType: 0,
      });
      expect(attempt.timestamp).toBeInstanceOf(Date);
      expect(["success", "fail"]).toContain(attempt.statusText);
    }
    // Round 2 (newer) comes first.
    const codes = list.data.map((attempt) => attempt.responseStatusCode);
    expect(codes.slice(0, 3).sort()).toEqual([0, 200, 503]);
    expect(codes.slice(3)).toEqual([500, 500, 500]);
    const recovered = list.data.find((attempt) => attempt.msgId === m1 && attempt.responseStatusCode === 200);
    expect(recovered).toMatchObject({ status: 0, statusText: "success", responseDurationMs: 12 });
  });

  it("carries the response with content, and Herald's extra fields", async () => {
    const attempts = await rawList(`/attempt/endpoint/${epA}`);
    const timedOut = attempts.find((attempt) => attempt.msgId === m2 && attempt.responseStatusCode === 0);
    expect(timedOut).toMatchObject({
      response: "request timed out",
      status: 2,
      statusText: "fail",
      eventType: "order.updated",
      attemptNumber: 2,
      errorKind: "timeout",
      nextAttempt: null,
    });
    const firstFailure = attempts.find(
      (attempt) => attempt.msgId === m3 && attempt.responseStatusCode === 500,
    );
    expect(firstFailure).toMatchObject({ response: "boom", attemptNumber: 1, errorKind: null });
    expect(firstFailure?.nextAttempt).toBe(new Date(t0 + 60_000).toISOString());
    expect(firstFailure).not.toHaveProperty("msg");

    const withoutContent = await rawList(`/attempt/endpoint/${epA}?with_content=false`);
    expect(withoutContent.every((attempt) => attempt.response === "{}")).toBe(true);
  });

  it("filters by status, status code class, event types, channel and time", async () => {
    const count = async (query: string) => (await rawList(`/attempt/endpoint/${epA}?${query}`)).length;
    expect(await count("status=0")).toBe(1);
    expect(await count("status=2")).toBe(5);
    expect(await count("status_code_class=500")).toBe(4);
    expect(await count("status_code_class=200")).toBe(1);
    expect(await count("status_code_class=0")).toBe(1);
    expect(await count("event_types=order.updated,order.deleted")).toBe(4);
    expect(await count("channel=vip")).toBe(2);
    expect(await count(`after=${new Date(t0 + 30_000).toISOString()}`)).toBe(3);
    expect(await count(`before=${new Date(t0 + 30_000).toISOString()}`)).toBe(3);
    expect(await count("expanded_statuses=true&with_msg=true&tag=x")).toBe(6);

    const sdk = await herald.svix.messageAttempt.listByEndpoint(app, epA, { status: 0 });
    expect(sdk.data.map((attempt) => attempt.msgId)).toEqual([m1]);

    for (const bad of [
      "status=9",
      "status=abc",
      "status_code_class=250",
      "status_code_class=600",
      "before=not-a-date",
    ]) {
      const response = await rawCall(herald, "GET", `/api/v1/app/${app}/attempt/endpoint/${epA}?${bad}`);
      expect(response.status, bad).toBe(422);
      expect(response.json).toHaveProperty("detail");
    }
  });

  it("pages through attempts with limit and iterator", async () => {
    const seen: string[] = [];
    let iterator: string | undefined;
    for (let page = 0; page < 10; page++) {
      const list = await herald.svix.messageAttempt.listByEndpoint(app, epA, { limit: 4, iterator });
      seen.push(...list.data.map((attempt) => attempt.id));
      if (list.done) break;
      iterator = list.iterator ?? undefined;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect(
      (await rawCall(herald, "GET", `/api/v1/app/${app}/attempt/endpoint/${epA}?iterator=msg_x`)).status,
    ).toBe(422);
  });

  it("lists a message's attempts (by id or eventId), optionally for one endpoint", async () => {
    const all = await herald.svix.messageAttempt.listByMsg(app, m1);
    expect(all.data).toHaveLength(3);
    expect(all.data.every((attempt) => attempt.msgId === m1)).toBe(true);
    const onA = await herald.svix.messageAttempt.listByMsg(app, "m1", { endpointId: "ep-a" });
    expect(onA.data.map((attempt) => attempt.responseStatusCode)).toEqual([200, 500]);
    expect((await rawList(`/attempt/msg/m1?endpoint_id=${epB}`)).map((attempt) => attempt.response)).toEqual([
      "ok order.created",
    ]);

    expect(
      (await apiError(herald.svix.messageAttempt.listByMsg(app, m1, { endpointId: "no-such-endpoint" })))
        .code,
    ).toBe(404);
    expect((await apiError(herald.svix.messageAttempt.listByMsg(app, "no-such-message"))).code).toBe(404);
    expect((await apiError(herald.svix.messageAttempt.listByEndpoint(app, "no-such-endpoint"))).code).toBe(
      404,
    );
    expect((await apiError(herald.svix.messageAttempt.listByEndpoint("no-such-app", epA))).code).toBe(404);
  });

  it("gets one attempt with its full response, and expunges that response", async () => {
    const [latest] = (await herald.svix.messageAttempt.listByMsg(app, m3, { endpointId: epA })).data;
    if (!latest) throw new Error("no attempt");
    const attempt = await herald.svix.messageAttempt.get(app, "m3", latest.id);
    expect(attempt).toMatchObject({
      id: latest.id,
      msgId: m3,
      response: "unavailable",
      responseStatusCode: 503,
    });

    expect((await apiError(herald.svix.messageAttempt.get(app, m1, latest.id))).code).toBe(404);
    expect((await apiError(herald.svix.messageAttempt.get(app, m3, "atmpt_nope"))).code).toBe(404);

    await herald.svix.messageAttempt.expungeContent(app, m3, latest.id);
    expect((await herald.svix.messageAttempt.get(app, m3, latest.id)).response).toBe("EXPUNGED");
    expect(
      (await rawCall(herald, "DELETE", `/api/v1/app/${app}/msg/${m1}/attempt/${latest.id}/content`)).status,
    ).toBe(404);
  });

  it("lists a message's attempted destinations: endpoints without metadata, with their latest status", async () => {
    const destinations = await herald.svix.messageAttempt.listAttemptedDestinations(app, m3);
    expect(destinations.data.map((row) => row.id)).toEqual([epA, epB].sort());
    const a = destinations.data.find((row) => row.id === epA);
    expect(a).toMatchObject({
      url: "https://example.com/a",
      uid: "ep-a",
      status: 2,
      statusText: "fail",
      disabled: false,
    });
    expect(a?.nextAttempt?.toISOString()).toBe(
      new Date(t0 + ROUND_2_DELAY_MS + RETRY_LATER_MS).toISOString(),
    );
    expect(destinations.data.find((row) => row.id === epB)).toMatchObject({
      status: 0,
      statusText: "success",
      nextAttempt: null,
    });

    const raw = await rawCall(herald, "GET", `/api/v1/app/${app}/msg/m3/endpoint`);
    const rows = (raw.json as { data: Record<string, unknown>[] }).data;
    expect(rows[0]).not.toHaveProperty("metadata");
    expect(rows[0]).toHaveProperty("createdAt");

    const paged = await herald.svix.messageAttempt.listAttemptedDestinations(app, m3, { limit: 1 });
    expect(paged.data).toHaveLength(1);
    expect(paged.done).toBe(false);
    const rest = await herald.svix.messageAttempt.listAttemptedDestinations(app, m3, {
      limit: 1,
      iterator: paged.iterator ?? undefined,
    });
    expect(rest.data.map((row) => row.id)).not.toContain(paged.data[0]?.id);
    expect(
      (await apiError(herald.svix.messageAttempt.listAttemptedDestinations(app, "no-such-message"))).code,
    ).toBe(404);
  });

  it("lists an endpoint's attempted messages with their delivery status", async () => {
    const list = await herald.svix.messageAttempt.listAttemptedMessages(app, "ep-a");
    const byId = new Map(list.data.map((row) => [row.id, row]));
    expect(list.data.map((row) => row.id)).toEqual([m3, m2, m1]);
    expect(byId.get(m1)).toMatchObject({
      status: 0,
      statusText: "success",
      eventType: "order.created",
      payload: {},
    });
    expect(byId.get(m2)).toMatchObject({ status: 2, statusText: "fail", nextAttempt: null });
    expect(byId.get(m3)).toMatchObject({ status: 3, statusText: "sending" });
    expect(byId.get(m3)?.nextAttempt?.getTime()).toBe(t0 + ROUND_2_DELAY_MS + RETRY_LATER_MS);

    const withContent = await herald.svix.messageAttempt.listAttemptedMessages(app, epA, {
      withContent: true,
      status: 0,
    });
    expect(withContent.data).toMatchObject([{ id: m1, payload: { n: 1 } }]);
    expect(
      (await herald.svix.messageAttempt.listAttemptedMessages(app, epA, { status: 3 })).data.map(
        (row) => row.id,
      ),
    ).toEqual([m3]);
    expect(
      (await herald.svix.messageAttempt.listAttemptedMessages(app, epA, { channel: "vip" })).data.map(
        (row) => row.id,
      ),
    ).toEqual([m1]);
    const byType = await rawCall(
      herald,
      "GET",
      `/api/v1/app/${app}/endpoint/${epA}/msg?event_types=order.updated`,
    );
    expect((byType.json as { data: { id: string }[] }).data.map((row) => row.id)).toEqual([m2]);
    expect(
      (await apiError(herald.svix.messageAttempt.listAttemptedMessages(app, "no-such-endpoint"))).code,
    ).toBe(404);
  });

  it("resends a message to an endpoint as one manual delivery (202 {}), whatever its filters", async () => {
    const vip = (
      await herald.svix.endpoint.create(app, { url: "https://example.com/vip", channels: ["elsewhere"] })
    ).id;
    const raw = await rawCall(herald, "POST", `/api/v1/app/${app}/msg/${m2}/endpoint/${epA}/resend`);
    expect(raw).toMatchObject({ status: 202, json: {} });
    expect(await herald.svix.messageAttempt.resend(app, "m2", vip)).toEqual({});

    const now = Date.now() + ROUND_2_DELAY_MS + 1000;
    const written = await deliverDue(herald.store, () => ({ statusCode: 200, response: "manual ok" }), now);
    expect(written.map((attempt) => [attempt.messageId, attempt.endpointId, attempt.trigger]).sort()).toEqual(
      [
        [m2, epA, 1],
        [m2, vip, 1],
      ].sort(),
    );
    const [manual] = (await herald.svix.messageAttempt.listByMsg(app, m2, { endpointId: vip })).data;
    expect(manual).toMatchObject({ triggerType: 1, status: 0 });
  });

  it("queues nothing for a disabled endpoint, refuses a message without payload, and 404s unknown targets", async () => {
    // Drain the queue (m3's retry) so that anything queued from here on shows in nextDueAt().
    await deliverDue(herald.store, () => ({ statusCode: 200 }), Date.now() + 10 * RETRY_LATER_MS);
    expect(await herald.store.nextDueAt()).toBeNull();
    const disabled = (
      await herald.svix.endpoint.create(app, { url: "https://example.com/off", disabled: true })
    ).id;
    expect(await herald.svix.messageAttempt.resend(app, m1, disabled)).toEqual({});
    expect(await herald.store.nextDueAt()).toBeNull();

    await herald.svix.message.expungeContent(app, m1);
    const missing = await apiError(herald.svix.messageAttempt.resend(app, m1, epA));
    expect(missing).toMatchObject({ code: 400, body: { code: "missing_payload" } });

    expect((await apiError(herald.svix.messageAttempt.resend(app, m2, "no-such-endpoint"))).code).toBe(404);
    expect((await apiError(herald.svix.messageAttempt.resend(app, "no-such-message", epA))).code).toBe(404);
  });
});
