import type pg from "pg";
import type { Logger } from "pino";
import { POSTGRES_MIGRATIONS } from "./migrations.js";

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock keyed by the schema, so
 * processes that start together queue up: the first applies, the others then find nothing left to do. DDL is
 * transactional in Postgres, so a failed migration leaves nothing half-applied.
 */
export async function migratePostgres(pool: pg.Pool, log: Logger | undefined): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.herald_migrations'))");
    await client.query(
      "CREATE TABLE IF NOT EXISTS herald_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    );
    const { rows } = await client.query<{ id: string }>("SELECT id FROM herald_migrations");
    const done = new Set(rows.map((row) => row.id));
    const applied: string[] = [];
    for (const migration of POSTGRES_MIGRATIONS) {
      if (done.has(migration.id)) continue;
      // No parameters: the simple query protocol, which runs a multi-statement script.
      await client.query(migration.sql);
      await client.query("INSERT INTO herald_migrations (id, applied_at) VALUES ($1, $2)", [
        migration.id,
        Date.now(),
      ]);
      applied.push(migration.id);
    }
    await client.query("COMMIT");
    if (applied.length > 0) log?.info({ migrations: applied }, "store: migrations applied");
    return applied;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
