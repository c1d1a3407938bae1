import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, sql, SqliteDialect } from "kysely";
import type { Logger } from "pino";
import type { SecretCipher } from "../../lib/secret-box.js";
import type { SqlContext, SqlDialect } from "../sql/context.js";
import type { Database } from "../sql/schema.js";
import { createSqlStore, emptyStoreMetrics } from "../sql/sql-store.js";
import type { Store, StoreMetrics } from "../store.js";
import { sqliteHotPath } from "./hot-path.js";
import { migrateSqlite } from "./migrator.js";
import { cachingStatements } from "./statement-cache.js";
import { walSync, type WalSync } from "./wal-sync.js";

export interface SqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  file: string;
  cipher: SecretCipher;
  log?: Logger;
}

export interface SqliteStoreMetrics extends StoreMetrics {
  /** fdatasync calls on the WAL for accepted messages; one covers every accept committed before it started. */
  walSyncs: number;
}

export type SqliteStore = Store & { readonly metrics: Readonly<SqliteStoreMetrics> };

const sqliteDialect: SqlDialect = {
  jsonArrayContains: (column, value) =>
    sql<boolean>`exists (select 1 from json_each(${sql.ref(column)}) where value = ${value})`,
  // One process owns an SQLite queue; the services wake the local dispatcher directly.
  notifyQueued: async () => {},
};

/**
 * The embedded store: one better-sqlite3 connection in WAL mode. Shared operations go through Kysely; the hot
 * path runs synchronous transactions on the raw handle while holding Kysely's connection mutex (`exclusive`).
 * The event loop does not wait for accepted messages to reach the disk: wal-sync.ts syncs them on libuv's thread
 * pool.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  mkdirSync(dirname(options.file), { recursive: true });
  const raw = new BetterSqlite3(options.file);
  const inWal = raw.pragma("journal_mode = WAL", { simple: true }) === "wal";
  // NORMAL in WAL mode: a commit is durable against process crashes, not power cuts (no fsync). Accepted messages
  // are made durable against power loss too, before acceptMessages resolves, by syncing the WAL (wal-sync.ts).
  // Without WAL (an in-memory database, a file system without shared memory), every commit syncs instead.
  raw.pragma(inWal ? "synchronous = NORMAL" : "synchronous = FULL");
  raw.pragma("busy_timeout = 5000");
  raw.pragma("foreign_keys = OFF");
  raw.pragma("temp_store = MEMORY");
  if (!inWal)
    options.log?.warn({ file: options.file }, "store: SQLite is not in WAL mode; commits sync the disk");

  const metrics: SqliteStoreMetrics = { ...emptyStoreMetrics(), walSyncs: 0 };
  // Absolute, as SQLite names it: the WAL's sync handle must not depend on the working directory.
  const walFile = `${resolve(options.file)}-wal`;
  const wal = inWal
    ? walSync({ walFile, log: options.log, onSynced: () => metrics.walSyncs++ })
    : alreadyDurable;

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(raw) }) });
  const exclusive = <T>(work: () => T): Promise<T> => db.connection().execute(async () => work());
  const context: SqlContext = { db, dialect: sqliteDialect, cipher: options.cipher, log: options.log };
  let closing: Promise<void> | undefined;
  const hotPath = sqliteHotPath(raw, exclusive, metrics, wal);

  const store = createSqlStore({
    context,
    capabilities: { sharedQueue: false, crossProcessWakeups: false },
    metrics,
    hotPath,
    migrate: () => exclusive(() => migrateSqlite(raw, options.log)),
    async ping() {
      // A failed WAL sync disables accepting until restart (wal-sync.ts): health checks should say so.
      if (wal.failure) throw wal.failure;
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
          // The WAL's own handle closes first, once the syncs requested by accepts already committed have
          // finished (wal-sync.ts); then closing our connection checkpoints the WAL and deletes it.
          await wal.close();
          await db.destroy();
        }
      });
      return closing;
    },
  });
  // The same metrics object the store reports (createSqlStore keeps it), with its SQLite fields in the type.
  return { ...store, metrics };
}

/** Without WAL every commit syncs: nothing is left to do after it. */
const alreadyDurable: WalSync = {
  failure: undefined,
  afterCommit: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
