/** Outcome building and request building: pure, driven directly. */
import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import { generateSecret, decodeStandardSecret } from "../../src/domain/secrets.js";
import { toSigningKey } from "../../src/domain/signing.js";
import { MessageStatus, TriggerType, type Delivery, type Endpoint } from "../../src/domain/types.js";
import { buildOutcome, unsentResult } from "../../src/delivery/outcome.js";
import { buildRequest } from "../../src/delivery/request-builder.js";
import type { SendResult } from "../../src/delivery/sender.js";
import type { ClaimedDelivery } from "../../src/store/store.js";
import { aMessage, anApplication, anEndpoint, T0 } from "../store/builders.js";

function claimedDelivery(
  overrides: { delivery?: Partial<Delivery>; endpoint?: Partial<Endpoint>; appSchedule?: number[] } = {},
): ClaimedDelivery {
  const application = anApplication({ retrySchedule: overrides.appSchedule ?? null });
  const endpoint = anEndpoint(application.id, overrides.endpoint);
  const message = aMessage(application.id);
  return {
    application,
    endpoint,
    message,
    delivery: {
      id: newId("delivery", T0),
      appId: application.id,
      messageId: message.id,
      endpointId: endpoint.id,
      status: MessageStatus.Pending,
      trigger: TriggerType.Scheduled,
      attemptCount: 0,
      nextAttemptAt: T0,
      leaseUntil: T0 + 60_000,
      lastStatusCode: null,
      createdAt: T0,
      updatedAt: T0,
      ...overrides.delivery,
    },
  };
}

const ok: SendResult = {
  statusCode: 204,
  responseBody: "",
  durationMs: 12,
  errorKind: null,
  retryAfter: null,
};
const serverError: SendResult = { ...ok, statusCode: 500, responseBody: "boom" };
const midpoint = () => 0.5; // jitter factor exactly 1

function outcomeOf(claimed: ClaimedDelivery, result: SendResult, defaultSchedule = [5, 300]) {
  return buildOutcome({
    claimed,
    result,
    startedAt: T0,
    finishedAt: T0 + 12,
    defaultSchedule,
    random: midpoint,
  });
}

describe("buildOutcome", () => {
  it("succeeds on a 2xx and writes the attempt row", () => {
    const claimed = claimedDelivery();
    const outcome = outcomeOf(claimed, ok);
    expect(outcome).toMatchObject({
      deliveryId: claimed.delivery.id,
      nextStatus: MessageStatus.Success,
      nextAttemptAt: null,
      disableEndpoint: false,
    });
    expect(outcome.attempt).toMatchObject({
      appId: claimed.application.id,
      messageId: claimed.message.id,
      endpointId: claimed.endpoint.id,
      deliveryId: claimed.delivery.id,
      eventType: claimed.message.eventType,
      url: claimed.endpoint.url,
      status: MessageStatus.Success,
      responseStatusCode: 204,
      responseDurationMs: 12,
      trigger: TriggerType.Scheduled,
      attemptNumber: 1,
      errorKind: null,
      nextAttemptAt: null,
      createdAt: T0,
    });
    expect(outcome.attempt.id.startsWith("atmpt_")).toBe(true);
  });

  it("reschedules a failure from the end of the attempt, on the most specific schedule", () => {
    expect(outcomeOf(claimedDelivery(), serverError).nextAttemptAt).toBe(T0 + 12 + 5_000);
    expect(outcomeOf(claimedDelivery({ appSchedule: [7] }), serverError).nextAttemptAt).toBe(T0 + 12 + 7_000);
    const own = outcomeOf(
      claimedDelivery({ appSchedule: [7], endpoint: { retrySchedule: [9] } }),
      serverError,
    );
    expect(own).toMatchObject({ nextStatus: MessageStatus.Pending, nextAttemptAt: T0 + 12 + 9_000 });
    expect(own.attempt).toMatchObject({
      status: MessageStatus.Fail,
      nextAttemptAt: T0 + 12 + 9_000,
      response: "boom",
    });
  });

  it("fails the delivery once the schedule is exhausted", () => {
    const outcome = outcomeOf(claimedDelivery({ delivery: { attemptCount: 2 } }), serverError);
    expect(outcome).toMatchObject({ nextStatus: MessageStatus.Fail, nextAttemptAt: null });
    expect(outcome.attempt.attemptNumber).toBe(3);
  });

  it("gives a manual delivery one attempt", () => {
    const outcome = outcomeOf(claimedDelivery({ delivery: { trigger: TriggerType.Manual } }), serverError);
    expect(outcome).toMatchObject({ nextStatus: MessageStatus.Fail, nextAttemptAt: null });
    expect(outcome.attempt.trigger).toBe(TriggerType.Manual);
  });

  it("disables the endpoint on 410 Gone and does not retry", () => {
    const outcome = outcomeOf(claimedDelivery(), { ...ok, statusCode: 410 });
    expect(outcome).toMatchObject({
      nextStatus: MessageStatus.Fail,
      nextAttemptAt: null,
      disableEndpoint: true,
    });
  });

  it("never disables the endpoint for a manual attempt's 410, as in Svix", () => {
    const outcome = outcomeOf(claimedDelivery({ delivery: { trigger: TriggerType.Manual } }), {
      ...ok,
      statusCode: 410,
    });
    expect(outcome).toMatchObject({ nextStatus: MessageStatus.Fail, disableEndpoint: false });
  });

  it("records network errors with their kind and an unsent request as `other`", () => {
    const timeout = outcomeOf(claimedDelivery(), {
      ...ok,
      statusCode: 0,
      errorKind: "timeout",
      responseBody: "request timed out",
    });
    expect(timeout.attempt).toMatchObject({ responseStatusCode: 0, errorKind: "timeout" });
    expect(timeout.nextAttemptAt).toBe(T0 + 12 + 60_000);
    const unsent = outcomeOf(claimedDelivery(), unsentResult("payload is not form-encodable JSON"));
    expect(unsent.attempt).toMatchObject({
      responseStatusCode: 0,
      errorKind: "other",
      response: "payload is not form-encodable JSON",
    });
    expect(unsent.nextStatus).toBe(MessageStatus.Pending);
  });
});

describe("buildRequest", () => {
  const secret = generateSecret();
  const signing = { keys: [toSigningKey(decodeStandardSecret(secret)!)], hmacSecret: undefined };
  const timestamp = Math.floor(Date.now() / 1000);

  function request(
    endpoint: Partial<Endpoint>,
    payload = '{"a":  1}',
    style: "svix" | "webhook" | "both" = "both",
  ) {
    const claimed = claimedDelivery({ endpoint });
    const built = buildRequest(
      { ...claimed.message, payload },
      claimed.endpoint,
      signing,
      style,
      timestamp,
      "Herald/test",
    );
    if ("problem" in built) throw new Error(built.problem);
    return { ...built.request, messageId: claimed.message.id };
  }

  it("sends the stored payload text with the content type, custom headers and verifiable signatures", () => {
    const built = request({ headers: { "X-Api-Key": "k" } });
    expect(built.body).toBe('{"a":  1}');
    expect(built.headers).toMatchObject({
      "content-type": "application/json",
      accept: "*/*",
      "X-Api-Key": "k",
      "user-agent": "Herald/test",
    });
    expect(built.headers["svix-id"]).toBe(built.messageId);
    expect(() => new Webhook(secret).verify(built.body, built.headers)).not.toThrow();
  });

  it("names the signature headers as configured", () => {
    expect(
      Object.keys(request({}, "{}", "svix").headers).filter((name) => name.startsWith("webhook-")),
    ).toEqual([]);
    expect(
      Object.keys(request({}, "{}", "webhook").headers).filter((name) => name.startsWith("svix-")),
    ).toEqual([]);
  });

  it("lets an hmac signature header win over a custom header of the same name", () => {
    const claimed = claimedDelivery({
      endpoint: {
        headers: { "x-signature": "forged", Accept: "application/json" },
        signature: {
          scheme: "hmac",
          algorithm: "sha256",
          encoding: "hex",
          header: "X-Signature",
          prefix: "sha256=",
          signedContent: "body",
        },
      },
    });
    const built = buildRequest(
      claimed.message,
      claimed.endpoint,
      { keys: [], hmacSecret: "tenant-secret" },
      "both",
      timestamp,
      "Herald/test",
    );
    if ("problem" in built) throw new Error(built.problem);
    expect(built.request.headers["x-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(Object.keys(built.request.headers).filter((name) => name.toLowerCase() === "accept")).toEqual([
      "Accept",
    ]);
  });

  it("reports what cannot be sent instead of throwing", () => {
    const claimed = claimedDelivery({ endpoint: { payloadFormat: "form" } });
    const notAnObject = buildRequest(
      { ...claimed.message, payload: '"text"' },
      claimed.endpoint,
      signing,
      "both",
      timestamp,
      "Herald/test",
    );
    expect(notAnObject).toHaveProperty("problem");
    const noKey = buildRequest(
      claimed.message,
      { ...claimed.endpoint, payloadFormat: "json" },
      { keys: [], hmacSecret: undefined },
      "both",
      timestamp,
      "Herald/test",
    );
    expect(noKey).toHaveProperty("problem");
  });
});
