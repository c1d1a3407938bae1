import { afterEach, describe, expect, it } from "vitest";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import { BACKENDS, createTestDatabase, openStoreOn, type TestDatabase } from "../helpers/databases.js";
import { rawRows } from "./raw.js";

describe("migration lists", () => {
  it("have the same ids, in order, in both dialects", () => {
    expect(SQLITE_MIGRATIONS.map((m) => m.id)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.id));
    const ids = SQLITE_MIGRATIONS.map((m) => m.id);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe.each(BACKENDS)("migrate (%s)", (backend) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it("applies every migration once; a second run applies nothing", async () => {
    database = await createTestDatabase(backend);
    const store = openStoreOn(database);
    try {
      expect(await store.migrate()).toEqual(SQLITE_MIGRATIONS.map((m) => m.id));
      expect(await store.migrate()).toEqual([]);
      await store.ping();
    } finally {
      await store.close();
    }
    const again = openStoreOn(database);
    try {
      expect(await again.migrate()).toEqual([]);
    } finally {
      await again.close();
    }
    const rows = await rawRows<{ id: string }>(database, "SELECT id FROM herald_migrations ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual(SQLITE_MIGRATIONS.map((m) => m.id));
  });

  it("is safe when several processes migrate at once", async () => {
    database = await createTestDatabase(backend);
    const target = database;
    const stores = [openStoreOn(target), openStoreOn(target), openStoreOn(target)];
    try {
      const applied = await Promise.all(stores.map((store) => store.migrate()));
      expect(applied.flat()).toEqual(SQLITE_MIGRATIONS.map((m) => m.id));
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("close() twice shares one promise and ends cleanly", async () => {
    database = await createTestDatabase(backend);
    const store = openStoreOn(database);
    await store.migrate();
    const first = store.close();
    expect(store.close()).toBe(first);
    await first;
  });
});
