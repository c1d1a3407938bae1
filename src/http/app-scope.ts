import type { FastifyRequest } from "fastify";
import { HeraldError, notFound } from "../domain/errors.js";
import type { Application } from "../domain/types.js";
import type { Services } from "../services/services.js";
import { assertAppAccess, principalOf } from "./auth.js";

/**
 * Resolves `{app_id}` (an id or a uid) to the application, and checks that the caller may address it.
 * Every application-scoped route starts here. An application-scoped token gets 403 for an application that does
 * not exist, as for one that is not its own: a 404 would tell it which ids and uids other tenants use.
 */
export async function resolveApp(
  services: Services,
  request: FastifyRequest,
  appIdOrUid: string,
): Promise<Application> {
  const application = await services.applications.find(appIdOrUid);
  if (!application) {
    throw principalOf(request).kind === "admin" ? notFound() : new HeraldError("insufficient access");
  }
  assertAppAccess(request, application.id);
  return application;
}
