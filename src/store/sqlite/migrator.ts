import type BetterSqlite3 from "better-sqlite3";
import type { Logger } from "pino";
import { SQLITE_MIGRATIONS } from "./migrations.js";

/**
 * Applies pending migrations in one IMMEDIATE transaction: a second process migrating the same file waits for
 * the write lock (busy_timeout), then finds nothing left to do. DDL is transactional in SQLite too.
 */
export function migrateSqlite(raw: BetterSqlite3.Database, log: Logger | undefined): string[] {
  const apply = raw.transaction(() => {
    raw.exec(
      "CREATE TABLE IF NOT EXISTS herald_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
    );
    const done = new Set(
      raw
        .prepare<[], { id: string }>("SELECT id FROM herald_migrations")
        .all()
        .map((row) => row.id),
    );
    const applied: string[] = [];
    const record = raw.prepare<[string, number]>(
      "INSERT INTO herald_migrations (id, applied_at) VALUES (?, ?)",
    );
    for (const migration of SQLITE_MIGRATIONS) {
      if (done.has(migration.id)) continue;
      raw.exec(migration.sql);
      record.run(migration.id, Date.now());
      applied.push(migration.id);
    }
    return applied;
  });
  // IMMEDIATE: a second process migrating the same file waits for the first instead of racing it.
  const applied = apply.immediate();
  if (applied.length > 0) log?.info({ migrations: applied }, "store: migrations applied");
  return applied;
}
