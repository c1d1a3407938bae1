/**
 * `startTestHerald()`: a real Herald listening on 127.0.0.1:0, on a fresh SQLite file — or on a fresh Postgres
 * schema when `HERALD_TEST_DATABASE_URL` is set (or `backend: "postgres"` is asked for) — with a known admin
 * token and an SDK client pointed at it. Logs are silent unless `HERALD_TEST_LOG` is set (to a level, or to
 * anything for `debug`). Every test must `stop()` what it starts.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Svix } from "svix";
import { parseConfig, type HeraldConfig, type LogLevel } from "../../src/config/config.js";
import type { EpochMs } from "../../src/domain/types.js";
import { createHerald, type Herald } from "../../src/herald.js";
import { createLogger } from "../../src/lib/logger.js";
import type { Store } from "../../src/store/store.js";
import { createTestDatabase, TEST_SECRET_KEY, type Backend } from "./databases.js";

export interface TestHeraldOptions {
  /** Default: `postgres` when `HERALD_TEST_DATABASE_URL` is set, else `sqlite`. */
  backend?: Backend;
  config?: Partial<HeraldConfig>;
  now?: () => EpochMs;
}

export interface TestHerald {
  url: string;
  token: string;
  svix: Svix;
  herald: Herald;
  store: Store;
  stop(): Promise<void>;
}

export function defaultTestBackend(): Backend {
  return process.env["HERALD_TEST_DATABASE_URL"] ? "postgres" : "sqlite";
}

const LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace"];

function testLogLevel(): LogLevel {
  const wanted = process.env["HERALD_TEST_LOG"];
  if (!wanted) return "silent";
  return (LEVELS.includes(wanted) ? wanted : "debug") as LogLevel;
}

export async function startTestHerald(options: TestHeraldOptions = {}): Promise<TestHerald> {
  const backend = options.backend ?? defaultTestBackend();
  const database = await createTestDatabase(backend);
  // The data directory holds the SQLite file (`herald.db`, as Herald names it); Postgres runs get an empty one.
  const dataDir =
    database.sqliteFile !== null ? dirname(database.sqliteFile) : mkdtempSync(join(tmpdir(), "herald-test-"));
  const token = `hk_test_${randomBytes(16).toString("hex")}`;
  const logLevel = testLogLevel();

  const config: HeraldConfig = Object.freeze({
    ...parseConfig({}, []),
    host: "127.0.0.1",
    port: 0,
    dataDir,
    databaseUrl: database.databaseUrl,
    adminToken: token,
    // The key test/helpers/databases.ts uses, so a second store opened on the same database reads the secrets.
    encryptionKey: TEST_SECRET_KEY,
    logLevel,
    // Test receivers listen on loopback, which the SSRF guard otherwise refuses.
    allowedTargets: ["127.0.0.1"],
    ...options.config,
  });

  const cleanup = async (): Promise<void> => {
    await database.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  };

  let herald: Herald;
  try {
    herald = await createHerald(config, {
      logger: createLogger({ level: logLevel, destination: process.stderr }),
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  let url: string | null;
  try {
    ({ url } = await herald.start());
  } catch (error) {
    await herald.stop();
    await cleanup();
    throw error;
  }
  if (url === null) {
    await herald.stop();
    await cleanup();
    throw new Error("startTestHerald: the configured role serves no HTTP");
  }

  let stopping: Promise<void> | null = null;
  return {
    url,
    token,
    svix: new Svix(token, { serverUrl: url }),
    herald,
    store: herald.store,
    stop() {
      stopping ??= herald.stop().finally(cleanup);
      return stopping;
    },
  };
}
