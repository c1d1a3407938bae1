import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, sql, SqliteDialect } from "kysely";
import type { Logger } from "pino";
import type { SecretCipher } from "../../lib/secret-box.js";
import type { SqlContext, SqlDialect } from "../sql/context.js";
import type { Database } from "../sql/schema.js";
import { createSqlStore } from "../sql/sql-store.js";
import type { Store, StoreMetrics } from "../store.js";
import { sqliteHotPath } from "./hot-path.js";
import { migrateSqlite } from "./migrator.js";
import { cachingStatements } from "./statement-cache.js";

export interface SqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  file: string;
  cipher: SecretCipher;
  log?: Logger;
}

const sqliteDialect: SqlDialect = {
  jsonArrayContains: (column, value) =>
    sql<boolean>`exists (select 1 from json_each(${sql.ref(column)}) where value = ${value})`,
  // One process owns an SQLite queue; the services wake the local dispatcher directly.
  notifyQueued: async () => {},
};

/**
 * The embedded store: one better-sqlite3 connection in WAL mode. Shared operations go through Kysely; the hot
 * path runs synchronous transactions on the raw handle while holding Kysely's connection mutex (`exclusive`).
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  mkdirSync(dirname(options.file), { recursive: true });
  const raw = new BetterSqlite3(options.file);
  raw.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: a commit is durable against process crashes; a power cut may lose the last commits.
  // Accepting messages switches to FULL for its own commits (sqlite/hot-path.ts), so accepted messages are
  // durable against power loss too.
  raw.pragma("synchronous = NORMAL");
  raw.pragma("busy_timeout = 5000");
  raw.pragma("foreign_keys = OFF");
  raw.pragma("temp_store = MEMORY");

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(raw) }) });
  const exclusive = <T>(work: () => T): Promise<T> => db.connection().execute(async () => work());
  const metrics: StoreMetrics = { acceptTransactions: 0, acceptedMessages: 0 };
  const context: SqlContext = { db, dialect: sqliteDialect, cipher: options.cipher, log: options.log };
  let closing: Promise<void> | undefined;
  const hotPath = sqliteHotPath(raw, exclusive, metrics);

  const store = createSqlStore({
    context,
    capabilities: { sharedQueue: false, crossProcessWakeups: false },
    metrics,
    hotPath,
    migrate: () => exclusive(() => migrateSqlite(raw, options.log)),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close() {
      // Inside the connection mutex: the operation in progress finishes first, and operations queued behind
      // the close fail cleanly instead of meeting a half-closed handle. A second call shares the first's promise.
      closing ??= db.connection().execute(async () => {
        try {
          // SQLite's advice for long-lived connections: refresh the planner's statistics when closing.
          raw.pragma("optimize");
        } finally {
          await db.destroy();
        }
      });
      return closing;
    },
  });
  return store;
}
