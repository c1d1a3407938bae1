import type { FastifyRequest } from "fastify";
import type { Application } from "../domain/types.js";
import type { Services } from "../services/services.js";
import { assertAppAccess } from "./auth.js";

/**
 * Resolves `{app_id}` (an id or a uid) to the application, and checks that the caller may address it.
 * Every application-scoped route starts here.
 */
export async function resolveApp(
  services: Services,
  request: FastifyRequest,
  appIdOrUid: string,
): Promise<Application> {
  const application = await services.applications.get(appIdOrUid);
  assertAppAccess(request, application.id);
  return application;
}
