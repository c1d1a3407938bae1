import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { SecretCipher } from "../../lib/secret-box.js";
import type { SqlContext, SqlDialect } from "../sql/context.js";
import type { Database } from "../sql/schema.js";
import { createSqlStore, emptyStoreMetrics } from "../sql/sql-store.js";
import type { Store } from "../store.js";
import { postgresHotPath, QUEUE_CHANNEL } from "./hot-path.js";
import { listenForQueuedWork } from "./queue-listener.js";
import { migratePostgres } from "./migrator.js";

export interface PostgresStoreOptions {
  /** A postgres:// URL; `?options=-c%20search_path%3D<schema>` selects a schema (tests use one per file). */
  url: string;
  cipher: SecretCipher;
  poolSize?: number;
  log?: Logger;
}

const INT8_OID = 20;

/**
 * BIGINT columns hold epoch milliseconds and counts, all far below 2^53: parse them as numbers. Set on this
 * pool only, not on the global `pg.types`, so other pg users in the process are unaffected.
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/** `notifier`: this store's NOTIFY payload, so that its own listeners can tell its notifications apart. */
function postgresDialect(notifier: string): SqlDialect {
  return {
    jsonArrayContains: (column, value) =>
      sql<boolean>`(${sql.ref(column)})::jsonb @> jsonb_build_array(${value}::text)`,
    async notifyQueued(db) {
      await sql`SELECT pg_notify(${QUEUE_CHANNEL}, ${notifier})`.execute(db);
    },
  };
}

/** The scale-out store: many Herald processes share one Postgres database and its queue. */
export function openPostgresStore(
  options: PostgresStoreOptions,
): Store & Required<Pick<Store, "listenForQueuedWork">> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types: typeParsers,
  });
  // An idle client can lose its connection (server restart); without a listener that error would crash the process.
  pool.on("error", (error) => options.log?.error({ err: error }, "store: idle Postgres connection failed"));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const metrics = emptyStoreMetrics();
  // Every NOTIFY this store sends carries this id, and its own listeners ignore it (Store.listenForQueuedWork).
  const notifier = randomBytes(9).toString("base64url");
  const context: SqlContext = {
    db,
    dialect: postgresDialect(notifier),
    cipher: options.cipher,
    log: options.log,
  };
  const listeners = new Set<() => Promise<void>>();
  let closing: Promise<void> | undefined;

  const hotPath = postgresHotPath(db, pool, metrics, notifier);
  const store = createSqlStore({
    context,
    capabilities: { sharedQueue: true, crossProcessWakeups: true },
    metrics,
    hotPath,
    migrate: () => migratePostgres(pool, options.log),
    async ping() {
      await sql`SELECT 1`.execute(db);
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...listeners].map((stop) => stop()));
        await db.destroy();
        // Kysely ends only a pool it has used; an unused one would keep the process alive for its idle timeout.
        if (!pool.ended) await pool.end();
      })();
      return closing;
    },
  });

  return {
    ...store,
    async listenForQueuedWork(onQueued) {
      const stop = await listenForQueuedWork(options.url, typeParsers, onQueued, options.log, notifier);
      const unsubscribe = async () => {
        listeners.delete(unsubscribe);
        await stop();
      };
      listeners.add(unsubscribe);
      return unsubscribe;
    },
  };
}
