/**
 * The composition root: the only place that reads the configuration as a whole, picks a store dialect, and
 * wires store → services → HTTP. Everything below receives explicit resources from here.
 *
 * Lifecycle: `start()` migrates, then listens (roles `all` and `api`); `stop()` makes new requests answer 503,
 * lets in-flight ones finish, closes the server, then the store. Concurrent `start()` calls share one promise,
 * and so do `stop()` calls; `stop()` during `start()` waits for it and then stops.
 */
import { existsSync, mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import {
  ENCRYPTION_KEY_FILE,
  ADMIN_TOKEN_FILE,
  generateAdminToken,
  generateEncryptionKey,
  keepSecret,
  type KeptSecret,
} from "./config/generated-secrets.js";
import type { HeraldConfig } from "./config/config.js";
import { HERALD_VERSION } from "./config/version.js";
import { createDeliveryEngine, type DeliveryEngine } from "./delivery/engine.js";
import { createTestWebhookSender } from "./delivery/test-webhook.js";
import { parseAllowList } from "./domain/address-policy.js";
import { derivePortalTokenKey } from "./domain/portal-tokens.js";
import type { EpochMs } from "./domain/types.js";
import { buildApp } from "./http/app.js";
import { adminTokenAuthenticator, firstMatch, portalTokenAuthenticator } from "./http/auth.js";
import { createLogger } from "./lib/logger.js";
import { aesGcmCipher } from "./lib/secret-box.js";
import { startIdempotencyPurge } from "./services/idempotency.js";
import { createServices, type Services } from "./services/services.js";
import type { Store } from "./store/store.js";

export interface HeraldOverrides {
  logger?: Logger;
  now?: () => EpochMs;
}

export interface Herald {
  readonly config: HeraldConfig;
  readonly store: Store;
  readonly services: Services;
  readonly app: FastifyInstance;
  /** The delivery engine; null for the `api` role, which only accepts and serves. */
  readonly engine: DeliveryEngine | null;
  readonly logger: Logger;
  /** The admin token and where it came from (the CLI prints it unless it came from the configuration). */
  readonly adminToken: KeptSecret;
  /** Resolves with the API's base URL, or null for the `worker` role, which serves no HTTP. */
  start(): Promise<{ url: string | null }>;
  stop(): Promise<void>;
}

export function heraldLogger(config: HeraldConfig, overrides: HeraldOverrides = {}): Logger {
  return overrides.logger ?? createLogger({ level: config.logLevel });
}

function resolveAdminToken(config: HeraldConfig): KeptSecret {
  if (config.adminToken !== null) return { value: config.adminToken, source: "config" };
  return keepSecret(config.dataDir, ADMIN_TOKEN_FILE, generateAdminToken);
}

function resolveEncryptionKey(config: HeraldConfig): Buffer {
  if (config.encryptionKey !== null) return config.encryptionKey;
  const kept = keepSecret(config.dataDir, ENCRYPTION_KEY_FILE, generateEncryptionKey);
  const key = Buffer.from(kept.value, "base64");
  if (key.length !== 32)
    throw new Error(`${kept.file ?? ENCRYPTION_KEY_FILE} does not hold base64 of 32 bytes`);
  return key;
}

/**
 * Opens the store the configuration selects: Postgres for a `postgres://` URL, else SQLite in the data dir. Each
 * dialect is imported only when chosen, so an embedded Herald never loads `pg` and a Postgres one never loads
 * the native SQLite module.
 */
export async function openStore(
  config: HeraldConfig,
  log: Logger,
  encryptionKey: Buffer = resolveEncryptionKey(config),
): Promise<Store> {
  const cipher = aesGcmCipher(encryptionKey);
  const storeLog = log.child({ component: "store" });
  if (config.databaseUrl !== null) {
    const { openPostgresStore } = await import("./store/postgres/postgres-store.js");
    return await openPostgresStore({ url: config.databaseUrl, cipher, log: storeLog });
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const { openSqliteStore } = await import("./store/sqlite/sqlite-store.js");
  return await openSqliteStore({ file: join(config.dataDir, "herald.db"), cipher, log: storeLog });
}

/** `herald migrate`: applies pending migrations and closes the store; returns the migration ids applied. */
export async function migrateDatabase(
  config: HeraldConfig,
  overrides: HeraldOverrides = {},
): Promise<string[]> {
  const store = await openStore(config, heraldLogger(config, overrides));
  try {
    return await store.migrate();
  } finally {
    await store.close();
  }
}

/** Where clients reach a server bound to `host`: a wildcard bind is reachable on loopback. */
function clientUrl(host: string, port: number): string {
  const reachable = host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * The built UI lives in `<package root>/dist/ui`, whether Herald runs from `dist/src` (npm start) or from `src`
 * (tests): the package root is the nearest directory above this module holding `package.json`.
 */
export function uiAssetsDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "dist", "ui");
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** How long in-flight requests get to finish on stop before their connections are cut. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Closes the server once in-flight requests are answered. Node's `server.close()` only closes connections idle
 * at the moment it is called, so a keep-alive connection whose request finishes during the drain would hold it
 * open until the keep-alive timeout (72 s); sweeping idle connections until closed avoids that.
 */
async function drainAndClose(app: FastifyInstance, logger: Logger): Promise<void> {
  const closing = app.close();
  const sweeper = setInterval(() => app.server.closeIdleConnections(), 25);
  const deadline = setTimeout(() => {
    logger.warn({ timeoutMs: DRAIN_TIMEOUT_MS }, "drain timed out: closing the remaining connections");
    app.server.closeAllConnections();
  }, DRAIN_TIMEOUT_MS);
  try {
    await closing;
  } finally {
    clearInterval(sweeper);
    clearTimeout(deadline);
  }
}

export async function createHerald(config: HeraldConfig, overrides: HeraldOverrides = {}): Promise<Herald> {
  const logger = heraldLogger(config, overrides);
  const now = overrides.now ?? Date.now;
  const adminToken = resolveAdminToken(config);
  // One key, two uses: it encrypts endpoint secrets at rest, and portal tokens are signed with a key derived
  // from it, so every process that can read the secrets accepts the same portal tokens.
  const encryptionKey = resolveEncryptionKey(config);
  const store = await openStore(config, logger, encryptionKey);
  const allowList = parseAllowList(config.allowedTargets).allowList;
  const userAgent = `Herald/${HERALD_VERSION}`;
  const services = createServices(
    { store, now, log: logger.child({ component: "services" }) },
    {
      defaultRetrySchedule: config.retrySchedule,
      payloadRetentionDays: config.payloadRetentionDays,
      portalTokenKey: derivePortalTokenKey(encryptionKey),
    },
    {
      // The endpoint "test" action sends synchronously through the engine's request building and sender.
      sendTestWebhook: createTestWebhookSender(
        { store, now },
        {
          signatureHeaderStyle: config.signatureHeaders,
          userAgent,
          allowList,
          maxResponseBytes: config.maxResponseBytes,
        },
      ),
    },
  );
  let shuttingDown = false;
  /** Where this process listens, once it does (the port may have been 0). */
  let listeningUrl: string | null = null;
  let app: FastifyInstance;
  try {
    app = buildApp({
      services,
      authenticator: firstMatch([
        adminTokenAuthenticator(adminToken.value),
        portalTokenAuthenticator(services.portalAccess),
      ]),
      logger: logger.child({ component: "http" }),
      options: {
        maxPayloadBytes: config.maxPayloadBytes,
        publicUrl: () => config.publicUrl ?? listeningUrl ?? clientUrl(config.host, config.port),
        ui: {
          assetsDir: uiAssetsDir(),
          settings: {
            primaryColor: config.portalPrimaryColor,
            logoUrl: config.portalLogoUrl,
            theme: config.portalTheme,
          },
          portalFrameAncestors: config.portalFrameAncestors,
        },
      },
      isShuttingDown: () => shuttingDown,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const servesHttp = config.role !== "worker";
  const engine =
    config.role === "api"
      ? null
      : createDeliveryEngine(
          { store, log: logger.child({ component: "delivery" }), now, random: Math.random },
          {
            signatureHeaderStyle: config.signatureHeaders,
            defaultRetrySchedule: config.retrySchedule,
            userAgent,
            allowList,
            maxInFlight: config.deliveryMaxInFlight,
            perEndpointConcurrency: config.deliveryEndpointConcurrency,
            idlePollMs: config.deliveryPollMs,
            sendThreads: config.deliverySendThreads,
            maxResponseBytes: config.maxResponseBytes,
          },
        );
  // A committed accept (or resend, or recovery) wakes the local engine at once instead of at its next poll.
  if (engine) services.messages.onDeliveriesQueued(() => engine.wake());
  // And while it has room and nothing older is due, an accept leases its deliveries for it: no claim is needed.
  if (engine) services.messages.handDeliveriesTo(engine);

  let idempotencyPurge: { stop(): void } | null = null;

  async function run(): Promise<{ url: string | null }> {
    await store.migrate();
    idempotencyPurge = startIdempotencyPurge(services.messages.idempotency, logger);
    await engine?.start();
    if (!servesHttp) return { url: null };
    await app.listen({ host: config.host, port: config.port });
    const { port } = app.server.address() as AddressInfo;
    const url = clientUrl(config.host, port);
    listeningUrl = url;
    logger.info(
      { url, role: config.role, database: config.databaseUrl === null ? "sqlite" : "postgres" },
      "herald listening",
    );
    return { url };
  }

  async function shutdown(): Promise<void> {
    // Let a start in progress finish first, so that nothing it opens outlives stop().
    if (starting) await starting.catch(() => undefined);
    shuttingDown = true;
    try {
      await drainAndClose(app, logger);
      // Requests are answered; accepts queued by other callers (CLI, engine) still get their commit.
      await services.messages.drain();
      // A recovery still queueing deliveries must not meet a closed store.
      await services.endpoints.whenIdle();
      await services.bulkRetry.whenIdle();
      // In-flight sends finish and their outcomes are written; unsent deliveries give their leases back.
      await engine?.stop();
    } finally {
      idempotencyPurge?.stop();
      await store.close();
    }
    logger.info("herald stopped");
  }

  let starting: Promise<{ url: string | null }> | null = null;
  let stopping: Promise<void> | null = null;

  return {
    config,
    store,
    services,
    app,
    engine,
    logger,
    adminToken,
    start() {
      if (stopping) return Promise.reject(new Error("Herald has been stopped"));
      starting ??= run();
      return starting;
    },
    stop() {
      stopping ??= shutdown();
      return stopping;
    },
  };
}
