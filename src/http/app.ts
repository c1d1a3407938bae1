/**
 * `buildApp(deps)` assembles the HTTP API without binding a port: tests inject requests or listen on
 * 127.0.0.1:0, `herald.ts` listens for real.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from "fastify";
import type { Logger } from "pino";
import { ERROR_CODES, HeraldError, ValidationError, type ErrorCode } from "../domain/errors.js";
import type { Services } from "../services/services.js";
import { authorizeRoute, registerRouteAccess } from "./access.js";
import { bearerToken, type Authenticator } from "./auth.js";
import { applicationRoutes } from "./routes/applications.js";
import { attemptRoutes } from "./routes/attempts.js";
import { authRoutes } from "./routes/auth.js";
import { endpointRoutes } from "./routes/endpoints.js";
import { eventTypeRoutes } from "./routes/event-types.js";
import { healthRoutes } from "./routes/health.js";
import { messageRoutes } from "./routes/messages.js";
import { recoveryRoutes } from "./routes/recovery.js";
import { statsRoutes } from "./routes/stats.js";
import { registerIdempotency } from "./idempotency.js";
import { uiRoutes, type UiOptions } from "./ui.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The body's text as received (JSON bodies), for routes that keep the client's exact bytes. */
    rawBody: string | undefined;
  }
}

export interface HttpOptions {
  /** Largest accepted request body in bytes; larger bodies get 413. */
  maxPayloadBytes: number;
  /** The base URL users reach Herald at, without a trailing slash (portal links start with it). */
  publicUrl: () => string;
  /** The dashboard and portal pages; absent: Herald serves only the API. */
  ui?: UiOptions;
}

export interface HttpDeps {
  services: Services;
  authenticator: Authenticator;
  logger: Logger;
  options: HttpOptions;
  /** True once shutdown has begun: new requests get 503 while in-flight ones finish. */
  isShuttingDown?: () => boolean;
}

/** Routes that need no token. */
const PUBLIC_PATHS = new Set(["/api/v1/health", "/api/v1/health/ping"]);

function errorBody(code: ErrorCode, detail?: string): { code: ErrorCode; detail: string } {
  return { code, detail: detail ?? ERROR_CODES[code].detail };
}

export function buildApp(deps: HttpDeps): FastifyInstance {
  // Typed as Fastify's base logger so that the instance has the default type route modules expect.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.options.maxPayloadBytes,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    // The SDK's own request id is more useful in logs than a counter.
    requestIdHeader: "svix-req-id",
    // One line per request would dominate the hot path's cost; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Herald's own onRequest hook answers 503 in Svix's error shape while draining.
    return503OnClosing: false,
    // Errors the router raises before any hook runs (a path parameter over maxParamLength, a malformed URL):
    // answered in Svix's error shape too, never Fastify's default body.
    frameworkErrors: (error, _request, reply) => {
      const code = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "not_found" : "generic_error";
      reply.raw
        .writeHead(ERROR_CODES[code].status, { "content-type": "application/json; charset=utf-8" })
        .end(JSON.stringify(errorBody(code, error.message)));
    },
  });

  app.decorateRequest("principal", null);
  app.decorateRequest("rawBody", undefined);

  // A bodyless POST with a JSON content type (curl -X POST -H 'content-type: application/json') is an empty body,
  // not a parse error; routes that need a body reject `undefined` with a 422 themselves.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    // Kept for routes that store the client's exact bytes (message payloads).
    request.rawBody = text;
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (error) {
      const message = error instanceof Error ? error.message : "invalid JSON";
      done(
        ValidationError.field(["body"], `Body is not valid JSON: ${message}`, "value_error.jsondecode"),
        undefined,
      );
    }
  });

  app.addHook("onRequest", async (request) => {
    if (deps.isShuttingDown?.()) throw new HeraldError("service_unavailable");
    const path = request.url.split("?", 1)[0]?.replace(/\/+$/, "") ?? "";
    if (!path.startsWith("/api/") || PUBLIC_PATHS.has(path)) return;
    const token = bearerToken(request);
    const principal = token === null ? null : await deps.authenticator.authenticate(token);
    if (!principal) throw new HeraldError("authentication_failed");
    request.principal = principal;
    await authorizeRoute(request, deps.services.applications);
  });

  registerIdempotency(app, deps);

  app.setErrorHandler((error: FastifyError | HeraldError | ValidationError, request, reply) => {
    if (error instanceof HeraldError) {
      return reply.status(error.status).send(errorBody(error.code, error.detail));
    }
    if (error instanceof ValidationError) {
      return reply.status(422).send({ detail: error.issues });
    }
    switch (error.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return reply.status(413).send(errorBody("payload_too_large"));
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return reply.status(415).send(errorBody("unsupported_media_type"));
      case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      case "FST_ERR_BAD_URL":
      case "FST_ERR_ASYNC_CONSTRAINT":
        return reply.status(400).send(errorBody("generic_error", error.message));
    }
    if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody("generic_error", error.message));
    }
    request.log.error(
      { err: error, method: request.method, url: request.routeOptions.url },
      "unhandled error",
    );
    return reply.status(500).send({});
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(errorBody("not_found", `No route for ${request.method} ${request.url.split("?")[0]}`));
  });

  registerRouteAccess(app);
  healthRoutes(app, deps);
  applicationRoutes(app, deps);
  eventTypeRoutes(app, deps);
  endpointRoutes(app, deps);
  messageRoutes(app, deps);
  attemptRoutes(app, deps);
  recoveryRoutes(app, deps);
  statsRoutes(app, deps);
  authRoutes(app, deps);
  if (deps.options.ui) uiRoutes(app, deps.options.ui);

  return app;
}
