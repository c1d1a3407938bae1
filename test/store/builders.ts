/** Domain objects with sensible defaults for store tests. */
import {
  newId,
  type ApplicationId,
  type DeliveryId,
  type EndpointId,
  type MessageId,
} from "../../src/domain/ids.js";
import {
  MessageStatus,
  TriggerType,
  type Application,
  type Attempt,
  type Endpoint,
  type EndpointSecret,
  type EpochMs,
  type EventType,
  type Message,
} from "../../src/domain/types.js";
import type { DeliveryOutcome } from "../../src/store/store.js";

export const T0: EpochMs = Date.UTC(2025, 0, 1);

export function anApplication(overrides: Partial<Application> = {}, now: EpochMs = T0): Application {
  return {
    id: newId("application", now),
    uid: null,
    name: "Acme",
    throttleRate: null,
    metadata: {},
    retrySchedule: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export function anEventType(name: string, overrides: Partial<EventType> = {}): EventType {
  return {
    name,
    description: `${name} happened`,
    groupName: null,
    schemas: null,
    featureFlags: null,
    archived: false,
    deprecated: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function anEndpoint(
  appId: ApplicationId,
  overrides: Partial<Endpoint> = {},
  now: EpochMs = T0,
): Endpoint {
  return {
    id: newId("endpoint", now),
    appId,
    uid: null,
    name: "",
    url: "https://receiver.example/hook",
    description: "",
    disabled: false,
    eventTypes: null,
    channels: null,
    headers: {},
    throttleRate: null,
    metadata: {},
    version: 1,
    payloadFormat: "json",
    signature: { scheme: "standard" },
    retrySchedule: null,
    timeoutSeconds: 15,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export function aSecret(
  key = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
  createdAt: EpochMs = T0,
): EndpointSecret {
  return { key, createdAt, expiresAt: null };
}

export function aMessage(appId: ApplicationId, overrides: Partial<Message> = {}, now: EpochMs = T0): Message {
  return {
    id: newId("message", now),
    appId,
    eventType: "user.created",
    eventId: null,
    channels: null,
    payload: '{"id": 1,  "spaced":true}',
    payloadExpiresAt: now + 90 * 86_400_000,
    createdAt: now,
    ...overrides,
  };
}

export function anAttempt(
  delivery: { id: DeliveryId; appId: ApplicationId; messageId: MessageId; endpointId: EndpointId },
  overrides: Partial<Attempt> = {},
  now: EpochMs = T0,
): Attempt {
  return {
    id: newId("attempt", now),
    appId: delivery.appId,
    messageId: delivery.messageId,
    endpointId: delivery.endpointId,
    deliveryId: delivery.id,
    eventType: "user.created",
    url: "https://receiver.example/hook",
    status: MessageStatus.Success,
    responseStatusCode: 200,
    response: "ok",
    responseDurationMs: 12,
    trigger: TriggerType.Scheduled,
    attemptNumber: 1,
    errorKind: null,
    nextAttemptAt: null,
    createdAt: now,
    ...overrides,
  };
}

export type OutcomeOverrides = Omit<Partial<DeliveryOutcome>, "attempt"> & { attempt?: Partial<Attempt> };

/** An outcome for a claimed delivery: success unless told otherwise. */
export function anOutcome(
  delivery: { id: DeliveryId; appId: ApplicationId; messageId: MessageId; endpointId: EndpointId },
  overrides: OutcomeOverrides = {},
  now: EpochMs = T0,
): DeliveryOutcome {
  const { attempt, ...rest } = overrides;
  const full = anAttempt(delivery, attempt ?? {}, now);
  return {
    deliveryId: delivery.id,
    attempt: full,
    nextStatus: full.status === MessageStatus.Success ? MessageStatus.Success : MessageStatus.Fail,
    nextAttemptAt: null,
    disableEndpoint: false,
    ...rest,
  };
}
