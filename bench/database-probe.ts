/**
 * A second, bench-only connection to a bench Herald's database, for what the Store interface does not offer
 * (and should not): the planner's plan for the claim's due-row selection, counts of the queue's rows, and on
 * Postgres the table's vacuum state and an ANALYZE. It changes no rows; Herald's own connection does all the
 * writing.
 */
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import type { BenchHerald } from "./harness.js";
import { CLAIM_PLANNER_SETTING } from "../src/store/postgres/hot-path.js";

/** Pending deliveries, split by whether a lease holds them. */
export interface QueueCounts {
  pending: number;
  leased: number;
  attempts: number;
}

/** Postgres's bookkeeping for the deliveries table (pg_stat_user_tables). */
export interface TableUpkeep {
  deadTuples: number;
  autovacuums: number;
  autoanalyzes: number;
}

export interface DatabaseProbe {
  /**
   * The plan of the claim's due-row selection as store/{sqlite,postgres}/hot-path.ts writes it, one line per
   * plan node.
   */
  claimPlan(now: number, limit: number): Promise<string[]>;
  queueCounts(): Promise<QueueCounts>;
  /** Null on SQLite, which has no vacuum to report. */
  upkeep(): Promise<TableUpkeep | null>;
  /**
   * Postgres: refreshes the deliveries table's planner statistics (what autovacuum does within a minute or so
   * of a table growing) and resolves true. SQLite: false, nothing done — its planner picks the partial index
   * by rule, without statistics.
   */
  analyze(): Promise<boolean>;
  close(): Promise<void>;
}

/** Where a bench Herald keeps its SQLite database (herald.ts `openStore`). */
const SQLITE_FILE = "herald.db";

// The due-row selection of the claim, with the same predicate and order as the hot paths' claim statements.
const DUE_ROWS = `SELECT id FROM deliveries
  WHERE status = 1 AND next_attempt_at <= $now AND (lease_until IS NULL OR lease_until < $now)
  ORDER BY next_attempt_at LIMIT $limit`;

const COUNTS = `SELECT
  (SELECT count(*) FROM deliveries WHERE status = 1 AND lease_until IS NULL) AS pending,
  (SELECT count(*) FROM deliveries WHERE status = 1 AND lease_until IS NOT NULL) AS leased,
  (SELECT count(*) FROM attempts) AS attempts`;

export async function openDatabaseProbe(bench: BenchHerald): Promise<DatabaseProbe> {
  const { config } = bench.herald;
  if (bench.backend === "sqlite") return sqliteProbe(join(config.dataDir, SQLITE_FILE));
  if (config.databaseUrl === null) throw new Error("database probe: a Postgres bench Herald has no URL");
  return postgresProbe(config.databaseUrl);
}

function sqliteProbe(file: string): DatabaseProbe {
  // Read-only beside Herald's connection: WAL mode lets a reader in without blocking the writer.
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  return {
    async claimPlan(now, limit) {
      const sql = `EXPLAIN QUERY PLAN ${DUE_ROWS.replaceAll("$now", "@now").replace("$limit", "@limit")}`;
      const rows = db.prepare<{ now: number; limit: number }, { detail: string }>(sql).all({ now, limit });
      return rows.map((row) => row.detail);
    },
    async queueCounts() {
      const row = db.prepare<[], QueueCounts>(COUNTS).get();
      if (!row) throw new Error("database probe: the counts query returned nothing");
      return row;
    },
    async upkeep() {
      return null;
    },
    async analyze() {
      return false;
    },
    async close() {
      db.close();
    },
  };
}

async function postgresProbe(url: string): Promise<DatabaseProbe> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const number = (value: unknown) => Number(value);
  return {
    async claimPlan(now, limit) {
      // Literals, not parameters: pg sends unnamed statements, which Postgres plans afresh with the values.
      const sql = `EXPLAIN ${DUE_ROWS.replaceAll("$now", String(Math.trunc(now))).replace("$limit", String(limit))}
        FOR UPDATE SKIP LOCKED`;
      // Under the planner setting the claim runs with, in a transaction of its own as the claim's is.
      await client.query("BEGIN");
      try {
        await client.query(CLAIM_PLANNER_SETTING);
        const { rows } = await client.query<{ "QUERY PLAN": string }>(sql);
        return rows.map((row) => row["QUERY PLAN"].trim());
      } finally {
        await client.query("ROLLBACK");
      }
    },
    async queueCounts() {
      const { rows } = await client.query<Record<keyof QueueCounts, string>>(COUNTS);
      const row = rows[0];
      if (!row) throw new Error("database probe: the counts query returned nothing");
      return { pending: number(row.pending), leased: number(row.leased), attempts: number(row.attempts) };
    },
    async upkeep() {
      const { rows } = await client.query<{ dead: string; vacuums: string; analyzes: string }>(
        `SELECT n_dead_tup AS dead, autovacuum_count AS vacuums, autoanalyze_count AS analyzes
         FROM pg_stat_user_tables WHERE relname = 'deliveries' AND schemaname = current_schema()`,
      );
      const row = rows[0];
      if (!row) return null;
      return {
        deadTuples: number(row.dead),
        autovacuums: number(row.vacuums),
        autoanalyzes: number(row.analyzes),
      };
    },
    async analyze() {
      await client.query("ANALYZE deliveries");
      return true;
    },
    async close() {
      await client.end();
    },
  };
}
