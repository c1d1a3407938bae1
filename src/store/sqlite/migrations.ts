import type { Migration } from "../sql/migration.js";

/**
 * SQLite schema, column for column the same as postgres/migrations.ts (see sql/schema.ts for the row types).
 * No foreign keys: rows are soft-deleted, the hot tables take thousands of inserts a second, and the store's
 * own operations keep references valid. Small hot rows (deliveries, stats) live WITHOUT ROWID so the primary
 * key is the table; tables with large text (payloads, responses) keep a rowid.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    id: "0001_initial",
    sql: `
CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  uid TEXT,
  name TEXT NOT NULL,
  throttle_rate INTEGER,
  metadata TEXT NOT NULL,
  retry_schedule TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE UNIQUE INDEX applications_uid ON applications (uid) WHERE deleted_at IS NULL AND uid IS NOT NULL;

CREATE TABLE event_types (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  group_name TEXT,
  schemas TEXT,
  feature_flags TEXT,
  archived INTEGER NOT NULL,
  deprecated INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  uid TEXT,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  event_types TEXT,
  channels TEXT,
  headers TEXT NOT NULL,
  throttle_rate INTEGER,
  metadata TEXT NOT NULL,
  version INTEGER NOT NULL,
  payload_format TEXT NOT NULL,
  signature TEXT NOT NULL,
  retry_schedule TEXT,
  timeout_seconds INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE INDEX endpoints_app ON endpoints (app_id, id);
CREATE UNIQUE INDEX endpoints_uid ON endpoints (app_id, uid) WHERE deleted_at IS NULL AND uid IS NOT NULL;

CREATE TABLE endpoint_secrets (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL,
  encrypted_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX endpoint_secrets_endpoint ON endpoint_secrets (endpoint_id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  event_id TEXT,
  channels TEXT,
  payload TEXT,
  payload_expires_at INTEGER NOT NULL,
  idempotency_key TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_app ON messages (app_id, id);
CREATE UNIQUE INDEX messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX messages_idempotency_key ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  status INTEGER NOT NULL,
  "trigger" INTEGER NOT NULL,
  attempt_count INTEGER NOT NULL,
  next_attempt_at INTEGER,
  lease_until INTEGER,
  last_status_code INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
-- Exactly the claim predicate: only pending rows are in it, in the order they come due.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 1;
CREATE INDEX deliveries_message_endpoint ON deliveries (message_id, endpoint_id);

CREATE TABLE attempts (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  url TEXT NOT NULL,
  status INTEGER NOT NULL,
  response_status_code INTEGER NOT NULL,
  response TEXT NOT NULL,
  response_duration_ms INTEGER NOT NULL,
  "trigger" INTEGER NOT NULL,
  attempt_number INTEGER NOT NULL,
  error_kind TEXT,
  next_attempt_at INTEGER,
  created_at INTEGER NOT NULL
);
-- Every attempt index leads with app_id: each listing is per application, and with the second column fixed by
-- equality the index also yields id order, so no planner (SQLite has no statistics) is tempted by another one.
CREATE INDEX attempts_app ON attempts (app_id, id);
CREATE INDEX attempts_endpoint ON attempts (app_id, endpoint_id, id);
CREATE INDEX attempts_message ON attempts (app_id, message_id, id);

CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  status_code INTEGER,
  body TEXT,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE endpoint_stats (
  endpoint_id TEXT NOT NULL,
  bucket_start INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  latency_sum_ms INTEGER NOT NULL,
  PRIMARY KEY (endpoint_id, bucket_start)
) WITHOUT ROWID;
`,
  },
  {
    id: "0002_request_headers_latency_histogram",
    sql: `
-- What each attempt sent (JSON), for the delivery log's detail view. Nullable: older attempts have none.
ALTER TABLE attempts ADD COLUMN request_headers TEXT;

-- A fixed latency histogram per endpoint and minute (domain/delivery-stats.ts LATENCY_BOUNDS_MS), so that
-- percentiles over any window are sums of counters. Older minutes read as an empty histogram.
ALTER TABLE endpoint_stats ADD COLUMN latency_max_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_25 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_50 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_100 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_250 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_500 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_1000 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_2500 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_5000 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_10000 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_le_30000 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint_stats ADD COLUMN latency_over_30000 INTEGER NOT NULL DEFAULT 0;
`,
  },
];
