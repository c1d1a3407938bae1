import { Type, type Static } from "@sinclair/typebox";
import { DateTimeString, EventTypeName, Nullable } from "./common.js";

/** POST …/endpoint/{endpoint_id}/test (Herald). */
export const EndpointTestIn = Type.Object({
  eventType: EventTypeName,
  /** A JSON object to send instead of the event type's sample; its exact text is kept. */
  payload: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
});
export type EndpointTestIn = Static<typeof EndpointTestIn>;

export interface EndpointTestOut {
  /** The receiver's status code; 0 when no HTTP response was received. */
  statusCode: number;
  /** The receiver's response body (capped), or the error text. */
  responseBody: string;
  durationMs: number;
  /** Why no HTTP status was received (timeout, dns, refused, reset, tls, ssrf_blocked, other); null when one was. */
  errorKind: string | null;
  /** The message recorded for the test (its id is the `webhook-id` the receiver saw). */
  msgId: string;
  /** The manual attempt recorded in the delivery log. */
  attemptId: string;
}

/** POST /app/{app_id}/bulk-retry (Herald). */
export const BulkRetryIn = Type.Object({
  /** The deliveries' final status: 2 failed (default), 0 succeeded, 4 canceled. */
  status: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 4 }))),
  eventTypes: Type.Optional(Nullable(Type.Array(EventTypeName, { minItems: 1, maxItems: 100 }))),
  /** The messages' creation time: `[since, until)`; until defaults to now. */
  since: DateTimeString,
  until: Type.Optional(Nullable(DateTimeString)),
  /** One endpoint, by id or uid. */
  endpointId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300 }))),
});
export type BulkRetryIn = Static<typeof BulkRetryIn>;

export interface BulkRetryOut {
  id: string;
  status: "running";
  task: "app.bulk-retry";
  updatedAt: string;
}
