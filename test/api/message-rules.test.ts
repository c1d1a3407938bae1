/**
 * Message creation rules (svix-api.md §6.1, §5.7): validation and its 422 shapes, inline application creation,
 * Svix Cloud-only routes, and send-example (a message to one endpoint).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topLevelValueText } from "../../src/lib/json-span.js";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { apiError, rawCall } from "../helpers/raw-api.js";

describe.each(BACKENDS)("message creation rules on %s", (backend) => {
  let herald: TestHerald;
  let appId: string;

  beforeAll(async () => {
    // role "api": no delivery engine claims the queue, so deliveries stay as accepted.
    herald = await startTestHerald({ backend, config: { role: "api" } });
    appId = (await herald.svix.application.create({ name: "Rules", uid: "rules-app" })).id;
  });
  afterAll(async () => {
    await herald?.stop();
  });

  async function newApp(name: string): Promise<string> {
    return (await herald.svix.application.create({ name })).id;
  }

  it("rejects invalid messages with 422 and the offending field", async () => {
    const post = (body: unknown) => rawCall(herald, "POST", `/api/v1/app/${appId}/msg`, { body });
    const locOf = (response: { json: unknown }) =>
      (response.json as { detail: { loc: unknown[] }[] }).detail[0]?.loc;

    const notObject = await post({ eventType: "a", payload: [1, 2] });
    expect(notObject.status).toBe(422);
    expect(notObject.json).toEqual({
      detail: [{ loc: ["body", "payload"], msg: "Payload must be an object.", type: "value_error" }],
    });
    expect(locOf(await post({ eventType: "a", payload: "text" }))).toEqual(["body", "payload"]);
    expect(locOf(await post({ eventType: "a", payload: null }))).toEqual(["body", "payload"]);
    expect(locOf(await post({ eventType: "a" }))).toEqual(["body", "payload"]);
    expect(locOf(await post({ eventType: "bad name", payload: {} }))).toEqual(["body", "eventType"]);
    expect(locOf(await post({ payload: {} }))).toEqual(["body", "eventType"]);
    expect(locOf(await post({ eventType: "a", payload: {}, eventId: "msg_abc" }))).toEqual([
      "body",
      "eventId",
    ]);
    expect(locOf(await post({ eventType: "a", payload: {}, eventId: "has space" }))).toEqual([
      "body",
      "eventId",
    ]);
    expect(locOf(await post({ eventType: "a", payload: {}, channels: [] }))).toEqual(["body", "channels"]);
    expect(
      locOf(
        await post({ eventType: "a", payload: {}, channels: Array.from({ length: 11 }, (_, i) => `c${i}`) }),
      ),
    ).toEqual(["body", "channels"]);
    expect((await post({ eventType: "a", payload: {}, channels: ["bad channel"] })).status).toBe(422);
    expect(locOf(await post({ eventType: "a", payload: {}, payloadRetentionPeriod: 0 }))).toEqual([
      "body",
      "payloadRetentionPeriod",
    ]);
    expect(locOf(await post({ eventType: "a", payload: {}, payloadRetentionPeriod: 91 }))).toEqual([
      "body",
      "payloadRetentionPeriod",
    ]);
    expect(
      (await rawCall(herald, "POST", `/api/v1/app/${appId}/msg`, { body: '{"eventType":"a","payload":{' }))
        .status,
    ).toBe(422);

    const nul = await post({
      eventType: "a",
      payload: {},
      transformationsParams: { rawPayload: "a\u0000b" },
    });
    expect(locOf(nul)).toEqual(["body", "transformationsParams", "rawPayload"]);

    // Unknown fields (Cloud's tags, deliverAt, transformationsParams.headers) are ignored.
    const lenient = await post({
      eventType: "a",
      payload: {},
      tags: ["x"],
      deliverAt: null,
      somethingNew: 1,
      transformationsParams: { headers: {} },
    });
    expect(lenient.status).toBe(202);
  });

  it("answers 404 'Application not found' for an unknown application, or creates it inline", async () => {
    const missing = await apiError(
      herald.svix.message.create("no-such-app", { eventType: "a", payload: {} }),
    );
    expect(missing).toEqual({ code: 404, body: { code: "not_found", detail: "Application not found" } });

    const created = await herald.svix.message.create("inline-app", {
      eventType: "a",
      payload: {},
      application: { name: "Inline", uid: "inline-app" },
    });
    const app = await herald.svix.application.get("inline-app");
    expect(app.name).toBe("Inline");
    expect((await herald.svix.message.get("inline-app", created.id)).id).toBe(created.id);
    // Once it exists, `application` is ignored.
    await herald.svix.message.create("inline-app", {
      eventType: "a",
      payload: {},
      application: { name: "Renamed", uid: "other" },
    });
    expect((await herald.svix.application.get("inline-app")).name).toBe("Inline");

    const noUid = await rawCall(herald, "POST", "/api/v1/app/inline-2/msg", {
      body: { eventType: "a", payload: {}, application: { name: "X" } },
    });
    expect(noUid.status).toBe(422);
    expect(noUid.json).toMatchObject({
      detail: [{ loc: ["body", "application", "uid"], type: "application_uid_missing" }],
    });
    const mismatch = await rawCall(herald, "POST", "/api/v1/app/inline-2/msg", {
      body: { eventType: "a", payload: {}, application: { name: "X", uid: "inline-3" } },
    });
    expect(mismatch.json).toMatchObject({
      detail: [{ loc: ["body", "application", "uid"], type: "application_uid_mismatch" }],
    });
    expect((await rawCall(herald, "GET", "/api/v1/app/inline-2")).status).toBe(404);
  });

  it("answers a JSON 404 for unknown messages and 501 for Svix Cloud-only message routes", async () => {
    expect(await apiError(herald.svix.message.get(appId, "msg_2unknownunknownunknown0000"))).toMatchObject({
      code: 404,
      body: { code: "not_found" },
    });
    expect((await apiError(herald.svix.message.expungeAllContents(appId))).code).toBe(501);
    for (const path of ["precheck/active", "bulk-expunge", "expunge-all-contents"]) {
      const response = await rawCall(herald, "POST", `/api/v1/app/${appId}/msg/${path}`, { body: {} });
      expect(response.status).toBe(501);
      expect(response.json).toMatchObject({ code: "not_implemented" });
    }
  });

  it("sends an example to one endpoint only: svix.ping, or the event type's example", async () => {
    const app = await newApp("Examples");
    const target = await herald.svix.endpoint.create(app, { url: "https://example.com/target" });
    await herald.svix.endpoint.create(app, { url: "https://example.com/bystander" });
    await herald.svix.eventType.create({
      name: "example.type",
      description: "has examples",
      schemas: { "1": { type: "object", examples: [{ first: 1 }, { second: 2 }] } },
    });
    await herald.svix.eventType.create({ name: "example.none", description: "no examples" });

    const ping = await herald.svix.endpoint.sendExample(app, target.id, { eventType: "svix.ping" });
    const pingRaw = await rawCall(herald, "GET", `/api/v1/app/${app}/msg/${ping.id}`);
    expect(topLevelValueText(pingRaw.text, "payload")).toBe('{"success": true}');

    const second = await herald.svix.endpoint.sendExample(app, target.id, {
      eventType: "example.type",
      exampleIndex: 1,
    });
    expect((await herald.svix.message.get(app, second.id, { withContent: true })).payload).toEqual({
      second: 2,
    });

    const claimed = await herald.store.claimDueDeliveries(100, Date.now() + 1000, Date.now() + 60_000);
    const examples = claimed.filter((item) => item.message.id === ping.id || item.message.id === second.id);
    expect(examples.map((item) => item.endpoint.id)).toEqual([target.id, target.id]);

    expect(
      (await apiError(herald.svix.endpoint.sendExample(app, target.id, { eventType: "example.none" }))).body,
    ).toMatchObject({ code: "invalid_scheme" });
    await herald.svix.eventType.create({
      name: "example.schema-only",
      description: "a schema without examples",
      schemas: {
        "1": {
          type: "object",
          properties: {
            callId: { type: "string", format: "uuid" },
            seconds: { type: "integer", minimum: 3 },
          },
        },
      },
    });
    const generated = await herald.svix.endpoint.sendExample(app, target.id, {
      eventType: "example.schema-only",
    });
    expect((await herald.svix.message.get(app, generated.id, { withContent: true })).payload).toEqual({
      callId: "00000000-0000-4000-8000-000000000000",
      seconds: 3,
    });
    expect(
      (
        await apiError(
          herald.svix.endpoint.sendExample(app, target.id, { eventType: "example.type", exampleIndex: 5 }),
        )
      ).code,
    ).toBe(400);
    expect(
      (await apiError(herald.svix.endpoint.sendExample(app, target.id, { eventType: "no.such.type" }))).code,
    ).toBe(404);
  });
});
