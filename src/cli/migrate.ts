import type { HeraldConfig } from "../config/config.js";
import { migrateDatabase } from "../herald.js";
import type { CliIo } from "./io.js";

/** `herald migrate`: applies pending migrations to the configured database and exits. */
export async function migrateCommand(config: HeraldConfig, io: CliIo): Promise<number> {
  const applied = await migrateDatabase(config);
  const target = config.databaseUrl === null ? `SQLite in ${config.dataDir}` : "PostgreSQL";
  io.stdout(
    applied.length === 0
      ? `Database is up to date (${target}).\n`
      : `Applied ${applied.length} migration${applied.length === 1 ? "" : "s"} to ${target}: ${applied.join(", ")}\n`,
  );
  return 0;
}
