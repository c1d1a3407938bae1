/** Reads a test database directly, bypassing the store: for checking what is really stored. */
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import type { TestDatabase } from "../helpers/databases.js";

export async function rawRows<Row>(database: TestDatabase, query: string): Promise<Row[]> {
  if (database.sqliteFile !== null) {
    const db = new BetterSqlite3(database.sqliteFile, { readonly: true });
    try {
      return db.prepare<[], Row>(query).all();
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.databaseUrl ?? "" });
  await client.connect();
  try {
    const result = await client.query(query);
    return result.rows as Row[];
  } finally {
    await client.end();
  }
}
