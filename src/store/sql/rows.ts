/** Conversions between domain objects and stored rows (sql/schema.ts). Pure; shared by both dialects. */
import type { ApplicationId, AttemptId, DeliveryId, EndpointId, MessageId } from "../../domain/ids.js";
import type {
  Application,
  Delivery,
  Endpoint,
  EventType,
  Message,
  MessageStatus,
  NetworkErrorKind,
  PayloadFormat,
  SignatureConfig,
  TriggerType,
} from "../../domain/types.js";
import type { LoggedAttempt, NewAttempt } from "../store.js";
import type {
  ApplicationRow,
  AttemptRow,
  DeliveryRow,
  EndpointRow,
  EventTypeRow,
  MessageRow,
} from "./schema.js";

// The store wrote every JSON column itself, so its shape is known; parsing does not re-validate it.
function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

function parseNullableJson<T>(text: string | null): T | null {
  return text === null ? null : parseJson<T>(text);
}

function nullableJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function applicationToRow(app: Application): ApplicationRow {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    throttle_rate: app.throttleRate,
    metadata: JSON.stringify(app.metadata),
    retry_schedule: nullableJson(app.retrySchedule),
    created_at: app.createdAt,
    updated_at: app.updatedAt,
    deleted_at: null,
  };
}

export function applicationFromRow(row: ApplicationRow): Application {
  return {
    id: row.id as ApplicationId,
    uid: row.uid,
    name: row.name,
    throttleRate: row.throttle_rate,
    metadata: parseJson(row.metadata),
    retrySchedule: parseNullableJson(row.retry_schedule),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function eventTypeToRow(eventType: EventType): EventTypeRow {
  return {
    name: eventType.name,
    description: eventType.description,
    group_name: eventType.groupName,
    schemas: nullableJson(eventType.schemas),
    feature_flags: nullableJson(eventType.featureFlags),
    archived: eventType.archived ? 1 : 0,
    deprecated: eventType.deprecated ? 1 : 0,
    created_at: eventType.createdAt,
    updated_at: eventType.updatedAt,
  };
}

export function eventTypeFromRow(row: EventTypeRow): EventType {
  return {
    name: row.name,
    description: row.description,
    groupName: row.group_name,
    schemas: parseNullableJson(row.schemas),
    featureFlags: parseNullableJson(row.feature_flags),
    archived: row.archived !== 0,
    deprecated: row.deprecated !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function endpointToRow(endpoint: Endpoint): EndpointRow {
  return {
    id: endpoint.id,
    app_id: endpoint.appId,
    uid: endpoint.uid,
    name: endpoint.name,
    url: endpoint.url,
    description: endpoint.description,
    disabled: endpoint.disabled ? 1 : 0,
    event_types: nullableJson(endpoint.eventTypes),
    channels: nullableJson(endpoint.channels),
    headers: JSON.stringify(endpoint.headers),
    throttle_rate: endpoint.throttleRate,
    metadata: JSON.stringify(endpoint.metadata),
    version: endpoint.version,
    payload_format: endpoint.payloadFormat,
    signature: JSON.stringify(endpoint.signature),
    retry_schedule: nullableJson(endpoint.retrySchedule),
    timeout_seconds: endpoint.timeoutSeconds,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
    deleted_at: null,
  };
}

export function endpointFromRow(row: EndpointRow): Endpoint {
  return {
    id: row.id as EndpointId,
    appId: row.app_id as ApplicationId,
    uid: row.uid,
    name: row.name,
    url: row.url,
    description: row.description,
    disabled: row.disabled !== 0,
    eventTypes: parseNullableJson(row.event_types),
    channels: parseNullableJson(row.channels),
    headers: parseJson(row.headers),
    throttleRate: row.throttle_rate,
    metadata: parseJson(row.metadata),
    version: row.version,
    payloadFormat: row.payload_format as PayloadFormat,
    signature: parseJson<SignatureConfig>(row.signature),
    retrySchedule: parseNullableJson(row.retry_schedule),
    timeoutSeconds: row.timeout_seconds,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function messageToRow(message: Message, idempotencyKey: string | null): MessageRow {
  return {
    id: message.id,
    app_id: message.appId,
    event_type: message.eventType,
    event_id: message.eventId,
    channels: nullableJson(message.channels),
    payload: message.payload,
    payload_expires_at: message.payloadExpiresAt,
    idempotency_key: idempotencyKey,
    created_at: message.createdAt,
  };
}

export function messageFromRow(row: Omit<MessageRow, "idempotency_key">): Message {
  return {
    id: row.id as MessageId,
    appId: row.app_id as ApplicationId,
    eventType: row.event_type,
    eventId: row.event_id,
    channels: parseNullableJson(row.channels),
    payload: row.payload,
    payloadExpiresAt: row.payload_expires_at,
    createdAt: row.created_at,
  };
}

export function deliveryFromRow(row: DeliveryRow): Delivery {
  return {
    id: row.id as DeliveryId,
    appId: row.app_id as ApplicationId,
    messageId: row.message_id as MessageId,
    endpointId: row.endpoint_id as EndpointId,
    status: row.status as MessageStatus,
    trigger: row.trigger as TriggerType,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    lastStatusCode: row.last_status_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The attempt's request headers as stored: the one serialisation of them per attempt, on every write path. */
export function requestHeadersText(attempt: NewAttempt): string | null {
  const headers = attempt.requestHeaders;
  return typeof headers === "string" ? headers : nullableJson(headers);
}

export function attemptToRow(attempt: NewAttempt): AttemptRow {
  return {
    id: attempt.id,
    app_id: attempt.appId,
    message_id: attempt.messageId,
    endpoint_id: attempt.endpointId,
    delivery_id: attempt.deliveryId,
    event_type: attempt.eventType,
    url: attempt.url,
    status: attempt.status,
    response_status_code: attempt.responseStatusCode,
    response: attempt.response,
    response_duration_ms: attempt.responseDurationMs,
    trigger: attempt.trigger,
    attempt_number: attempt.attemptNumber,
    error_kind: attempt.errorKind,
    next_attempt_at: attempt.nextAttemptAt,
    created_at: attempt.createdAt,
    request_headers: requestHeadersText(attempt),
  };
}

export function attemptFromRow(row: AttemptRow): LoggedAttempt {
  return {
    id: row.id as AttemptId,
    appId: row.app_id as ApplicationId,
    messageId: row.message_id as MessageId,
    endpointId: row.endpoint_id as EndpointId,
    deliveryId: row.delivery_id as DeliveryId,
    eventType: row.event_type,
    url: row.url,
    status: row.status as MessageStatus,
    responseStatusCode: row.response_status_code,
    response: row.response,
    responseDurationMs: row.response_duration_ms,
    trigger: row.trigger as TriggerType,
    attemptNumber: row.attempt_number,
    errorKind: row.error_kind as NetworkErrorKind | null,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    requestHeaders: parseNullableJson(row.request_headers),
  };
}
