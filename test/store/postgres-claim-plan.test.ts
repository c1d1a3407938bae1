import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { BACKENDS, openStoreOn, openTestStore, type TestDatabase } from "../helpers/databases.js";
import { aMessage, aSecret, anApplication, anEndpoint, T0 } from "./builders.js";

const ENDPOINTS = 10;
const MESSAGES = 2_000;
const CLAIM = 128;

/**
 * What a claim costs must not depend on whether the planner has statistics. On a deliveries table that was never
 * analyzed (a new database, or a burst before autovacuum gets to it) the planner, left to itself, fetches every due
 * row through a bitmap scan and sorts them to keep the oldest few: a claim then reads the whole backlog. Observed
 * from outside, through the index statistics the claiming connection reports when it closes.
 */
describe.skipIf(!BACKENDS.includes("postgres"))("claim on a table without statistics (postgres)", () => {
  let store: Store;
  let database: TestDatabase;
  let cleanup: () => Promise<void>;
  let client: pg.Client;

  beforeAll(async () => {
    ({ store, database, cleanup } = await openTestStore("postgres"));
    client = new pg.Client({ connectionString: database.databaseUrl ?? "" });
    await client.connect();
    // Autovacuum would analyze the table once the backlog is written; the claim must run before anything has.
    await client.query("ALTER TABLE deliveries SET (autovacuum_enabled = false)");
  });
  afterAll(async () => {
    await client.end();
    await cleanup();
  });

  async function dueIndexUse(): Promise<{ scans: number; tuplesRead: number }> {
    const { rows } = await client.query<{ scans: string; tuples_read: string }>(
      `SELECT idx_scan AS scans, idx_tup_read AS tuples_read FROM pg_stat_user_indexes
       WHERE schemaname = current_schema() AND indexrelname = 'deliveries_due'`,
    );
    return { scans: Number(rows[0]?.scans ?? 0), tuplesRead: Number(rows[0]?.tuples_read ?? 0) };
  }

  it("walks the due index up to the limit instead of reading every due delivery", async () => {
    const app = anApplication();
    await store.createApplication(app);
    for (let i = 0; i < ENDPOINTS; i++) await store.createEndpoint(anEndpoint(app.id), aSecret());
    for (let first = 0; first < MESSAGES; first += 500) {
      const batch = Array.from({ length: 500 }, () => ({ message: aMessage(app.id), idempotencyKey: null }));
      await store.acceptMessages(batch, T0);
    }
    const { rows } = await client.query<{ analyzed: boolean }>(
      `SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL AS analyzed FROM pg_stat_user_tables
       WHERE schemaname = current_schema() AND relname = 'deliveries'`,
    );
    expect(rows[0]?.analyzed).toBe(false);
    const before = await dueIndexUse();

    // Its own store, so that closing it ends the connection that claimed, which then reports its statistics.
    const claimer = openStoreOn(database);
    const claimed = await claimer.claimDueDeliveries(CLAIM, T0, T0 + 30_000);
    await claimer.close();
    expect(claimed).toHaveLength(CLAIM);

    let after = await dueIndexUse();
    for (const deadline = Date.now() + 10_000; after.scans === before.scans && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await dueIndexUse();
    }
    expect(after.scans).toBeGreaterThan(before.scans);
    // The walk reads about what it claims; the bitmap scan would read every due delivery's entry (20,000).
    expect(after.tuplesRead - before.tuplesRead).toBeLessThan(CLAIM * 2);
  });
});
