/**
 * `idempotency-key` on POST routes (svix-api.md §1.6). The SDK sends a key on every POST and reuses it when it
 * retries after a 5xx, so this is what makes "create" exactly-once for those retries.
 *
 * A request with a key and an Authorization header claims the key (hash of both and the full URI) before its
 * handler runs:
 *   - completed: the stored 2xx response is replayed byte for byte, and the handler does not run;
 *   - locked (a duplicate is in flight): poll every 200 ms for up to ~5 s, then replay, or run uncached;
 *   - claimed: the handler runs; a 2xx response is stored for 12 h, anything else releases the key.
 *
 * Message creation opts out (route config `idempotency: "route"`): it is the hot path and passes its key hash to
 * the store, which replays inside the accept transaction instead. Routes whose answer is a credential (portal
 * tokens) opt out with `idempotency: "never"`: a bearer token must not sit in the database for 12 hours, and
 * issuing a second one on a retry is harmless.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { idempotencyKeyHash } from "../services/idempotency.js";
import type { HttpDeps } from "./app.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * "route": the handler deals with `idempotency-key` itself; "never": the response is a secret and is not
     * cached. Either way the generic cache stays out of the route's way.
     */
    idempotency?: "route" | "never";
  }
  interface FastifyRequest {
    /** The idempotency key this request holds, until its response is stored or the key released. */
    heldIdempotencyKey: string | null;
  }
}

const POLL_INTERVAL_MS = 200;
const MAX_WAIT_MS = 5_000;
/** Larger responses are not cached (the key is released): the cache stays bounded per entry. */
const MAX_CACHED_BODY_BYTES = 1024 * 1024;

/** The cache key for a request carrying `idempotency-key` and Authorization; null when it carries no such pair. */
export function requestIdempotencyKey(request: FastifyRequest): string | null {
  const key = request.headers["idempotency-key"];
  const authorization = request.headers.authorization;
  if (typeof key !== "string" || key === "" || typeof authorization !== "string") return null;
  return idempotencyKeyHash(authorization, key, request.url);
}

function cachedBody(payload: unknown): string | null {
  if (payload === undefined || payload === null) return "";
  if (typeof payload === "string") return payload;
  if (Buffer.isBuffer(payload)) return payload.toString("utf8");
  return null; // a stream: not cacheable
}

export function registerIdempotency(app: FastifyInstance, { services }: HttpDeps): void {
  const cache = services.messages.idempotency;
  app.decorateRequest("heldIdempotencyKey", null);

  app.addHook("preHandler", async (request, reply) => {
    if (request.method !== "POST" || request.is404 || request.routeOptions.config.idempotency !== undefined)
      return;
    const key = requestIdempotencyKey(request);
    if (key === null) return;
    const deadline = Date.now() + MAX_WAIT_MS;
    for (;;) {
      const claim = await cache.claim(key);
      if (claim.state === "claimed") {
        request.heldIdempotencyKey = key;
        return;
      }
      if (claim.state === "completed") {
        const { statusCode, body } = claim.response;
        reply.status(statusCode);
        if (body === "") return reply.send();
        return reply.type("application/json; charset=utf-8").send(body);
      }
      // Svix gives up waiting after about five seconds and runs the request itself (uncached).
      if (Date.now() + POLL_INTERVAL_MS > deadline) return;
      await sleep(POLL_INTERVAL_MS);
    }
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const key = request.heldIdempotencyKey;
    if (key === null) return payload;
    request.heldIdempotencyKey = null;
    const body = cachedBody(payload);
    const status = reply.statusCode;
    try {
      if (
        status >= 200 &&
        status < 300 &&
        body !== null &&
        Buffer.byteLength(body) <= MAX_CACHED_BODY_BYTES
      ) {
        await cache.save(key, { statusCode: status, body });
      } else {
        await cache.release(key);
      }
    } catch (error) {
      // The request itself succeeded or failed on its own; a cache failure only costs a later replay.
      request.log.error({ err: error }, "idempotency cache write failed");
    }
    return payload;
  });
}
