/**
 * The `idempotency-key` cache (svix-api.md §1.6): a POST's 2xx response is kept for 12 hours under a hash of
 * (Authorization header, key, request URI) and replayed to later requests with the same hash. The first request
 * holds a short lock so that a concurrent duplicate waits for it instead of running twice.
 */
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { IdempotencyClaim, IdempotentResponse } from "../store/store.js";
import type { ServiceContext } from "./context.js";

/** How long the first request holds a key before a duplicate may run without it. */
export const IDEMPOTENCY_LOCK_MS = 5_000;
/** How long a 2xx response is replayed. */
export const IDEMPOTENCY_TTL_MS = 12 * 60 * 60 * 1000;

/** The cache key. The body is not part of it (as in Svix): the same key and URI replay whatever was sent first. */
export function idempotencyKeyHash(authorization: string, key: string, uri: string): string {
  // Header values and URIs cannot contain a newline, so the joined text is unambiguous.
  return createHash("sha256").update(`${authorization}\n${key}\n${uri}`).digest("base64url");
}

export interface IdempotencyService {
  claim(key: string): Promise<IdempotencyClaim>;
  save(key: string, response: IdempotentResponse): Promise<void>;
  release(key: string): Promise<void>;
  /** Deletes expired keys; returns how many. */
  purgeExpired(): Promise<number>;
}

export function createIdempotencyService(ctx: ServiceContext): IdempotencyService {
  const { store } = ctx;
  return {
    claim(key) {
      const now = ctx.now();
      return store.claimIdempotencyKey(key, now, now + IDEMPOTENCY_LOCK_MS);
    },
    save: (key, response) => store.saveIdempotentResponse(key, response, ctx.now() + IDEMPOTENCY_TTL_MS),
    release: (key) => store.releaseIdempotencyKey(key),
    purgeExpired: () => store.purgeExpiredIdempotencyKeys(ctx.now()),
  };
}

/**
 * Purges expired keys every `intervalMs` until stopped; keeps the table bounded by the TTL. The timer does not
 * hold the process open. Failures are logged and the next round tries again.
 */
export function startIdempotencyPurge(
  service: IdempotencyService,
  log: Logger,
  intervalMs = 10 * 60 * 1000,
): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    service
      .purgeExpired()
      .then((purged) => {
        if (purged > 0) log.debug({ purged }, "purged expired idempotency keys");
      })
      .catch((error: unknown) => log.error({ err: error }, "purging idempotency keys failed"))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
