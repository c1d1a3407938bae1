import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase } from "kysely";

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs more than running a small query. This
 * wrapper reuses prepared statements by SQL text (bounded: queries with variable-length IN lists vary).
 * Kysely's connection mutex guarantees one statement runs at a time, so sharing them is safe.
 */
export function cachingStatements(database: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) {
        // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= capacity) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
