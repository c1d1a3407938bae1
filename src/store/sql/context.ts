import type { Kysely, RawBuilder, SqlBool } from "kysely";
import type { Logger } from "pino";
import type { SecretCipher } from "../../lib/secret-box.js";
import type { Database } from "./schema.js";

/** The few SQL fragments the dialects spell differently; shared code asks for them instead of testing the dialect. */
export interface SqlDialect {
  /** True when `column` (a JSON array of strings, as text) contains `value`. */
  jsonArrayContains(column: string, value: string): RawBuilder<SqlBool>;
  /** Tells other processes that deliveries were queued (Postgres NOTIFY, delivered on commit); no-op elsewhere. */
  notifyQueued(db: Kysely<Database>): Promise<void>;
}

/** What the shared operations need: a Kysely handle on the dialect's database, its fragments, the secret cipher. */
export interface SqlContext {
  db: Kysely<Database>;
  dialect: SqlDialect;
  cipher: SecretCipher;
  log: Logger | undefined;
}
