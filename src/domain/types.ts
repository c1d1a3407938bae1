import type { ApplicationId, AttemptId, DeliveryId, EndpointId, MessageId } from "./ids.js";

/** Milliseconds since the Unix epoch. Every stored time is one of these; the HTTP layer renders ISO strings. */
export type EpochMs = number;

export type Metadata = Record<string, string>;

/** Delays in seconds before each retry; the first attempt is always immediate, so `[]` means one attempt. */
export type RetrySchedule = readonly number[];

export interface Application {
  id: ApplicationId;
  uid: string | null;
  name: string;
  throttleRate: number | null;
  metadata: Metadata;
  retrySchedule: RetrySchedule | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export interface EventType {
  name: string;
  description: string;
  groupName: string | null;
  /** JSON Schemas by version ("1", "2", …); `schemas["1"].examples[0]` is the example payload. */
  schemas: Record<string, unknown> | null;
  featureFlags: string[] | null;
  archived: boolean;
  deprecated: boolean;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export type PayloadFormat = "json" | "form";

export type HmacAlgorithm = "sha256" | "sha1" | "sha512";
export type SignatureEncoding = "hex" | "base64";

/** How deliveries to an endpoint are signed (DESIGN §5). */
export type SignatureConfig =
  | { scheme: "standard" }
  | {
      scheme: "hmac";
      algorithm: HmacAlgorithm;
      encoding: SignatureEncoding;
      header: string;
      prefix: string;
      signedContent: "body" | "timestamp.body";
    }
  | { scheme: "none" };

export interface Endpoint {
  id: EndpointId;
  appId: ApplicationId;
  uid: string | null;
  name: string;
  url: string;
  description: string;
  disabled: boolean;
  /** null = every event type. */
  eventTypes: string[] | null;
  /** null = no channel filter. */
  channels: string[] | null;
  headers: Record<string, string>;
  throttleRate: number | null;
  metadata: Metadata;
  version: number;
  payloadFormat: PayloadFormat;
  signature: SignatureConfig;
  retrySchedule: RetrySchedule | null;
  timeoutSeconds: number;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** A signing key of an endpoint. `expiresAt` null = the current key; otherwise an old key in its grace period. */
export interface EndpointSecret {
  key: string;
  createdAt: EpochMs;
  expiresAt: EpochMs | null;
}

export interface Message {
  id: MessageId;
  appId: ApplicationId;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  /** The payload's exact JSON text as accepted; null once expunged or expired. */
  payload: string | null;
  payloadExpiresAt: EpochMs;
  createdAt: EpochMs;
}

/** Svix's MessageStatus, used for deliveries and attempts alike. */
export const MessageStatus = { Success: 0, Pending: 1, Fail: 2, Sending: 3, Canceled: 4 } as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];
export const MESSAGE_STATUS_TEXT: Record<
  MessageStatus,
  "success" | "pending" | "fail" | "sending" | "canceled"
> = {
  0: "success",
  1: "pending",
  2: "fail",
  3: "sending",
  4: "canceled",
};

export const TriggerType = { Scheduled: 0, Manual: 1 } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];

/**
 * One unit of queued work: deliver one message to one endpoint.
 *
 * States: pending (due at `nextAttemptAt`, maybe leased by a worker until `leaseUntil`) → succeeded | failed |
 * canceled, or back to pending with a later `nextAttemptAt` after a failed attempt that will be retried.
 * Manual resends are deliveries of their own with `trigger = Manual` and no retries.
 */
export interface Delivery {
  id: DeliveryId;
  appId: ApplicationId;
  messageId: MessageId;
  endpointId: EndpointId;
  status: MessageStatus;
  trigger: TriggerType;
  attemptCount: number;
  nextAttemptAt: EpochMs | null;
  leaseUntil: EpochMs | null;
  lastStatusCode: number | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** Why no HTTP status was received. */
export type NetworkErrorKind = "timeout" | "dns" | "refused" | "reset" | "tls" | "ssrf_blocked" | "other";

/** One HTTP exchange (or failed try) of a delivery: the append-only delivery log. */
export interface Attempt {
  id: AttemptId;
  appId: ApplicationId;
  messageId: MessageId;
  endpointId: EndpointId;
  deliveryId: DeliveryId;
  eventType: string;
  url: string;
  status: MessageStatus;
  /** 0 when no HTTP response was received. */
  responseStatusCode: number;
  response: string;
  responseDurationMs: number;
  trigger: TriggerType;
  attemptNumber: number;
  errorKind: NetworkErrorKind | null;
  /** When the next automatic retry is due; null when none is scheduled. */
  nextAttemptAt: EpochMs | null;
  createdAt: EpochMs;
}
