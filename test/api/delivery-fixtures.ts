/**
 * Helpers for the end-to-end delivery tests (test/api/delivery-*.test.ts): receivers closed after each test,
 * polling, raw endpoint creation for Herald's own fields, and an HMAC computed by `openssl`, independently of
 * Herald's code.
 */
import { execFileSync } from "node:child_process";
import type { IncomingHttpHeaders } from "node:http";
import { afterEach, expect } from "vitest";
import type { MessageAttemptOut } from "../../src/http/schemas/attempts.js";
import type { EndpointOut } from "../../src/http/schemas/endpoints.js";
import type { TestHerald } from "../helpers/herald.js";
import { rawCall } from "../helpers/raw-api.js";
import { startReceiver, type Receiver, type ReceiverHandler } from "../helpers/receiver.js";
import { delay } from "../helpers/receiver.js";
export { delay, headerRecord } from "../helpers/receiver.js";

/** Receivers started in a test are closed after it. */
export function useReceivers(): (handler?: ReceiverHandler) => Promise<Receiver> {
  let open: Receiver[] = [];
  afterEach(async () => {
    const closing = open;
    open = [];
    await Promise.all(closing.map((receiver) => receiver.close()));
  });
  return async (handler) => {
    const receiver = await startReceiver(handler);
    open.push(receiver);
    return receiver;
  };
}

/** Polls `check` until it returns something other than undefined or false. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(25);
  }
}

/** Only the Standard Webhooks trio, so that a verifier cannot fall back on the `svix-*` names. */
export function webhookHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const pick = (name: string): string => {
    const value = headers[name];
    if (typeof value !== "string") throw new Error(`no ${name} header`);
    return value;
  };
  return {
    "webhook-id": pick("webhook-id"),
    "webhook-timestamp": pick("webhook-timestamp"),
    "webhook-signature": pick("webhook-signature"),
  };
}

/** POST …/endpoint with raw HTTP: Herald's own fields (retrySchedule, signature, payloadFormat) are not in the SDK. */
export async function createRawEndpoint(
  herald: TestHerald,
  appId: string,
  body: Record<string, unknown>,
): Promise<EndpointOut> {
  const response = await rawCall(herald, "POST", `/api/v1/app/${appId}/endpoint`, { body });
  expect(response.status, response.text).toBe(201);
  return response.json as EndpointOut;
}

/** An endpoint's attempts with content and Herald's extra fields, newest first. */
export async function rawAttempts(
  herald: TestHerald,
  appId: string,
  endpointId: string,
  query = "",
): Promise<MessageAttemptOut[]> {
  const response = await rawCall(
    herald,
    "GET",
    `/api/v1/app/${appId}/attempt/endpoint/${endpointId}${query === "" ? "" : `?${query}`}`,
  );
  expect(response.status, response.text).toBe(200);
  return (response.json as { data: MessageAttemptOut[] }).data;
}

/** Waits until the endpoint has `count` attempts (newest first). */
export function attemptsReaching(
  herald: TestHerald,
  appId: string,
  endpointId: string,
  count: number,
  timeoutMs = 10_000,
): Promise<MessageAttemptOut[]> {
  return eventually(async () => {
    const attempts = await rawAttempts(herald, appId, endpointId);
    return attempts.length >= count ? attempts : undefined;
  }, timeoutMs);
}

/** HMAC of `data` computed by `openssl dgst`, in hex or base64: an implementation that is not Herald's. */
export function opensslHmac(
  algorithm: "sha1" | "sha256" | "sha512",
  secret: string,
  data: Buffer | string,
  encoding: "hex" | "base64",
): string {
  const digest = execFileSync("openssl", ["dgst", `-${algorithm}`, "-hmac", secret, "-binary"], {
    input: data,
  });
  return digest.toString(encoding);
}

/** The message id of a received webhook. */
export function webhookId(request: { headers: IncomingHttpHeaders }): string | undefined {
  const id = request.headers["webhook-id"] ?? request.headers["svix-id"];
  return typeof id === "string" ? id : undefined;
}
