/**
 * The stored row shapes, identical in both dialects so that one implementation serves both: times are epoch
 * milliseconds (BIGINT), booleans are 0/1 integers (better-sqlite3 cannot bind JS booleans), structured fields
 * are JSON text, and a message payload is the exact JSON text it was accepted with.
 */
export interface ApplicationsTable {
  id: string;
  uid: string | null;
  name: string;
  throttle_rate: number | null;
  /** JSON object of strings. */
  metadata: string;
  /** JSON array of seconds, or null for the default schedule. */
  retry_schedule: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface EventTypesTable {
  name: string;
  description: string;
  group_name: string | null;
  schemas: string | null;
  feature_flags: string | null;
  archived: number;
  deprecated: number;
  created_at: number;
  updated_at: number;
}

export interface EndpointsTable {
  id: string;
  app_id: string;
  uid: string | null;
  name: string;
  url: string;
  description: string;
  disabled: number;
  event_types: string | null;
  channels: string | null;
  headers: string;
  throttle_rate: number | null;
  metadata: string;
  version: number;
  payload_format: string;
  signature: string;
  retry_schedule: string | null;
  timeout_seconds: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface EndpointSecretsTable {
  id: string;
  endpoint_id: string;
  /** The key, encrypted with the store's SecretCipher. */
  encrypted_key: string;
  created_at: number;
  /** null = the current key. */
  expires_at: number | null;
}

export interface MessagesTable {
  id: string;
  app_id: string;
  event_type: string;
  event_id: string | null;
  channels: string | null;
  payload: string | null;
  payload_expires_at: number;
  idempotency_key: string | null;
  created_at: number;
}

export interface DeliveriesTable {
  id: string;
  app_id: string;
  message_id: string;
  endpoint_id: string;
  status: number;
  trigger: number;
  attempt_count: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  last_status_code: number | null;
  created_at: number;
  updated_at: number;
}

export interface AttemptsTable {
  id: string;
  app_id: string;
  message_id: string;
  endpoint_id: string;
  delivery_id: string;
  event_type: string;
  url: string;
  status: number;
  response_status_code: number;
  response: string;
  response_duration_ms: number;
  trigger: number;
  attempt_number: number;
  error_kind: string | null;
  next_attempt_at: number | null;
  created_at: number;
  /** JSON object of the request headers sent (LoggedRequestHeaders); null when none were recorded. */
  request_headers: string | null;
}

export interface IdempotencyKeysTable {
  key: string;
  /** null while the key is locked by a request in flight. */
  status_code: number | null;
  body: string | null;
  /** The lock's end while locked, the cached response's end once completed. */
  expires_at: number;
  created_at: number;
}

/**
 * The latency histogram's columns: attempts per bucket of domain/delivery-stats.ts `LATENCY_BOUNDS_MS` (each
 * named for its inclusive upper bound), then the overflow. Same order as `DeliveryCounts.latencyHistogram`.
 */
export const LATENCY_COLUMNS = [
  "latency_le_25",
  "latency_le_50",
  "latency_le_100",
  "latency_le_250",
  "latency_le_500",
  "latency_le_1000",
  "latency_le_2500",
  "latency_le_5000",
  "latency_le_10000",
  "latency_le_30000",
  "latency_over_30000",
] as const;
export type LatencyColumn = (typeof LATENCY_COLUMNS)[number];

export interface EndpointStatsTable extends Record<LatencyColumn, number> {
  endpoint_id: string;
  /** The minute (epoch ms, a multiple of 60 000) the attempts started in. */
  bucket_start: number;
  successes: number;
  failures: number;
  latency_sum_ms: number;
  /** The slowest attempt's duration; 0 for minutes counted before migration 0002. */
  latency_max_ms: number;
}

export interface MigrationsTable {
  id: string;
  applied_at: number;
}

export interface Database {
  applications: ApplicationsTable;
  event_types: EventTypesTable;
  endpoints: EndpointsTable;
  endpoint_secrets: EndpointSecretsTable;
  messages: MessagesTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  endpoint_stats: EndpointStatsTable;
  herald_migrations: MigrationsTable;
}

export type ApplicationRow = ApplicationsTable;
export type EventTypeRow = EventTypesTable;
export type EndpointRow = EndpointsTable;
export type MessageRow = MessagesTable;
export type DeliveryRow = DeliveriesTable;
export type AttemptRow = AttemptsTable;
