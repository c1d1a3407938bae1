/**
 * Svix's `authentication` API, as far as Herald offers it: portal links for one application (DESIGN §6).
 * Logging a token out and expiring all tokens of an application would need a revocation table, which Herald
 * does not have yet: those routes answer a JSON 501, which the SDK raises as a readable ApiException.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HeraldError } from "../../domain/errors.js";
import type { HttpDeps } from "../app.js";
import { AppPortalAccessIn, type AppPortalAccessOut } from "../schemas/auth.js";
import { parseBody } from "../validation.js";
import { applicationFieldsOf } from "./applications.js";

type AppParams = { app_id: string };

/** Where the portal page lives; the token travels in the fragment, which browsers send to no server. */
export const PORTAL_PATH = "/portal";

export function authRoutes(app: FastifyInstance, { services, options }: HttpDeps): void {
  const portalAccess = async (
    request: FastifyRequest<{ Params: AppParams }>,
  ): Promise<AppPortalAccessOut> => {
    // The SDK sends `{}` without arguments, curl users may send nothing at all.
    const body = request.body === undefined ? {} : parseBody(AppPortalAccessIn, request.body);
    const { token } = await services.portalAccess.issue(request.params.app_id, {
      lifetimeSeconds: body.expiry ?? null,
      readOnly: body.readOnly ?? false,
      sessionId: body.sessionId ?? null,
      application: body.application ? applicationFieldsOf(body.application) : null,
    });
    // In the fragment, the token never reaches a server log or a Referer header.
    return { url: `${options.publicUrl()}${PORTAL_PATH}#token=${token}`, token };
  };

  app.post<{ Params: AppParams }>(
    "/api/v1/auth/app-portal-access/:app_id",
    { config: { access: "admin", idempotency: "never" } },
    portalAccess,
  );
  // Svix's deprecated name for the same thing.
  app.post<{ Params: AppParams }>(
    "/api/v1/auth/dashboard-access/:app_id",
    { config: { access: "admin", idempotency: "never" } },
    portalAccess,
  );

  const revocationMissing = (feature: string) => async () => {
    throw new HeraldError(
      "not_implemented",
      `${feature} is not implemented by Herald: portal tokens stay valid until they expire.`,
    );
  };
  // Svix: a portal token logs itself out, so any token may ask.
  app.post("/api/v1/auth/logout", { config: { access: "any-token" } }, revocationMissing("Logging out"));
  app.post<{ Params: AppParams }>(
    "/api/v1/auth/app/:app_id/expire-all",
    { config: { access: "admin" } },
    revocationMissing("Expiring all tokens of an application"),
  );
}
