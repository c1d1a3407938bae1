/**
 * Fresh, isolated databases for tests: a new SQLite file in a temp dir, or a new Postgres schema reached through
 * the URL's `options=-c search_path=…`. Postgres runs only when HERALD_TEST_DATABASE_URL is set.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { aesGcmCipher } from "../../src/lib/secret-box.js";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";

export type Backend = "sqlite" | "postgres";

const POSTGRES_URL = process.env.HERALD_TEST_DATABASE_URL;

export const BACKENDS: Backend[] = POSTGRES_URL ? ["sqlite", "postgres"] : ["sqlite"];

export interface TestDatabase {
  backend: Backend;
  /** The Postgres URL with the test schema as search_path; null for SQLite. */
  databaseUrl: string | null;
  sqliteFile: string | null;
  cleanup(): Promise<void>;
}

/** A fixed key: tests need stable encryption, not secrecy. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7);

export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "herald-test-"));
    return {
      backend,
      databaseUrl: null,
      sqliteFile: join(dir, "herald.db"),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }
  if (!POSTGRES_URL) throw new Error("HERALD_TEST_DATABASE_URL is not set");
  const schema = `herald_test_${randomBytes(6).toString("hex")}`;
  await withClient(POSTGRES_URL, (client) => client.query(`CREATE SCHEMA ${schema}`));
  return {
    backend,
    databaseUrl: withSearchPath(POSTGRES_URL, schema),
    sqliteFile: null,
    async cleanup() {
      await withClient(POSTGRES_URL, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}

/** Opens a migrated store on a fresh database; `cleanup` closes it and drops the database. */
export async function openTestStore(
  backend: Backend,
): Promise<{ store: Store; database: TestDatabase; cleanup(): Promise<void> }> {
  const database = await createTestDatabase(backend);
  const store = openStoreOn(database);
  await store.migrate();
  return {
    store,
    database,
    async cleanup() {
      await store.close();
      await database.cleanup();
    },
  };
}

/** Another store on the same test database (for two-process scenarios). Not migrated. */
export function openStoreOn(database: TestDatabase): Store {
  const cipher = aesGcmCipher(TEST_SECRET_KEY);
  if (database.sqliteFile !== null) return openSqliteStore({ file: database.sqliteFile, cipher });
  if (database.databaseUrl !== null)
    return openPostgresStore({ url: database.databaseUrl, cipher, poolSize: 4 });
  throw new Error("test database has neither a file nor a URL");
}

function withSearchPath(url: string, schema: string): string {
  const separator = url.includes("?") ? "&" : "?";
  return `${url}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
