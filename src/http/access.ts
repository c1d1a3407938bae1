/**
 * What an application-scoped (portal) token may call, decided once per request before the body is read and
 * before any handler runs, so that a route added later is covered without its author having to remember it.
 *
 * A route's `access` (route config) says who besides the admin token may call it:
 *   - "application": the token of the application that `{app_id}` names (by id or uid). The default for every
 *     route with an `:app_id` parameter. Another application, or one that does not exist, gets 403.
 *   - "any-token": any valid token (the event-type catalog, which a portal shows to pick filters from).
 *   - "admin": the admin token only. The default for every route without `:app_id`, so organisation-level
 *     routes are closed to tenants unless they are opened on purpose.
 * A read-only portal token gets 403 on anything but GET and HEAD.
 *
 * Handlers still check through `resolveApp`, so a mistake in one place is caught by the other.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HeraldError } from "../domain/errors.js";
import type { ApplicationService } from "../services/applications.js";

export type RouteAccess = "admin" | "application" | "any-token";

/** One method of one registered route. */
export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who besides the admin token may call the route; see http/access.ts for the defaults. */
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /** Every route registered after `registerRouteAccess`, one entry per method (HEAD included). */
    readonly registeredRoutes: readonly RegisteredRoute[];
  }
}

const APP_ID_SEGMENT = /\/:app_id(?:\/|$)/;

function accessOf(url: string, declared: RouteAccess | undefined): RouteAccess {
  return declared ?? (APP_ID_SEGMENT.test(url) ? "application" : "admin");
}

/**
 * Records every route with its access as it is registered (so that a test can walk them all), and refuses at
 * build time a route that asks for "application" access without an `:app_id` to check it against. Must run
 * before any route is registered.
 */
export function registerRouteAccess(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  app.decorate("registeredRoutes", routes);
  app.addHook("onRoute", (route) => {
    const declared = route.config?.access;
    if (declared === "application" && !APP_ID_SEGMENT.test(route.url)) {
      throw new Error(`${route.url}: "application" access needs an :app_id parameter`);
    }
    const access = accessOf(route.url, declared);
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, access });
  });
}

const READ_METHODS = new Set(["GET", "HEAD"]);

function appIdParam(request: FastifyRequest): string | null {
  const value = (request.params as Record<string, unknown> | undefined)?.["app_id"];
  return typeof value === "string" ? value : null;
}

/** The route's declared access, or its default (see above). */
function routeAccess(request: FastifyRequest): RouteAccess {
  return accessOf(request.routeOptions.url ?? "", request.routeOptions.config.access);
}

/** Throws 403 unless the authenticated caller may call this route; unknown routes are left to the 404 handler. */
export async function authorizeRoute(
  request: FastifyRequest,
  applications: Pick<ApplicationService, "find">,
): Promise<void> {
  const principal = request.principal;
  if (principal === null || principal.kind === "admin" || request.is404) return;
  if (principal.readOnly && !READ_METHODS.has(request.method)) throw new HeraldError("insufficient access");
  switch (routeAccess(request)) {
    case "any-token":
      return;
    case "admin":
      throw new HeraldError("insufficient access");
    case "application": {
      const addressed = appIdParam(request);
      // The portal addresses its application by the id its token names: no lookup for that.
      if (addressed === principal.appId) return;
      const application = addressed === null ? null : await applications.find(addressed);
      if (application?.id !== principal.appId) throw new HeraldError("insufficient access");
      return;
    }
  }
}
