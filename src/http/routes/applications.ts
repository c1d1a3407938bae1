import type { FastifyInstance } from "fastify";
import type { Application } from "../../domain/types.js";
import type { ApplicationFields } from "../../services/applications.js";
import { resolveApp } from "../app-scope.js";
import type { HttpDeps } from "../app.js";
import { isoDate } from "../dates.js";
import { listResponse, pageRequest } from "../pagination.js";
import {
  ApplicationCreateQuery,
  ApplicationIn,
  ApplicationPatch,
  type ApplicationOut,
} from "../schemas/applications.js";
import { ListQuery } from "../schemas/common.js";
import { parseBody, parseQuery } from "../validation.js";

export function renderApplication(application: Application): ApplicationOut {
  const out: ApplicationOut = {
    id: application.id,
    uid: application.uid,
    name: application.name,
    throttleRate: application.throttleRate,
    metadata: application.metadata,
    retrySchedule: application.retrySchedule === null ? null : [...application.retrySchedule],
    createdAt: isoDate(application.createdAt),
    updatedAt: isoDate(application.updatedAt),
  };
  // The v1 SDK's name; OSS emits it only when set.
  if (application.throttleRate !== null) out.rateLimit = application.throttleRate;
  return out;
}

/** The writable fields of an `ApplicationIn` (also nested in `MessageIn.application`), aliases resolved. */
export function applicationFieldsOf(body: ApplicationIn): ApplicationFields {
  return {
    name: body.name,
    uid: body.uid ?? null,
    throttleRate: body.throttleRate ?? body.rateLimit ?? null,
    metadata: body.metadata ?? {},
    retrySchedule: body.retrySchedule ?? null,
  };
}

type AppParams = { app_id: string };

/**
 * Listing and creating applications is the operator's (routes without `:app_id` are admin-only by default, see
 * http/access.ts). A portal token may read its own application, as in Svix, but not replace, rename or delete it:
 * PUT, PATCH and DELETE are admin-only.
 */
export function applicationRoutes(app: FastifyInstance, { services }: HttpDeps): void {
  const adminOnly = { config: { access: "admin" } } as const;

  app.get("/api/v1/app", async (request) => {
    const query = parseQuery(ListQuery, request.query);
    const page = await services.applications.list(
      pageRequest(query, { defaultOrder: "asc", honourOrder: true, keyPrefix: "app_" }),
    );
    return listResponse(page, (a) => a.id, renderApplication);
  });

  app.post("/api/v1/app", async (request, reply) => {
    const query = parseQuery(ApplicationCreateQuery, request.query);
    const fields = applicationFieldsOf(parseBody(ApplicationIn, request.body));
    if (query.get_if_exists) {
      const { application, created } = await services.applications.getOrCreate(fields);
      return reply.status(created ? 201 : 200).send(renderApplication(application));
    }
    return reply.status(201).send(renderApplication(await services.applications.create(fields)));
  });

  app.get<{ Params: AppParams }>("/api/v1/app/:app_id", async (request) => {
    return renderApplication(await resolveApp(services, request, request.params.app_id));
  });

  app.put<{ Params: AppParams }>("/api/v1/app/:app_id", adminOnly, async (request, reply) => {
    const fields = applicationFieldsOf(parseBody(ApplicationIn, request.body));
    const { application, created } = await services.applications.upsert(request.params.app_id, fields);
    return reply.status(created ? 201 : 200).send(renderApplication(application));
  });

  app.patch<{ Params: AppParams }>("/api/v1/app/:app_id", adminOnly, async (request) => {
    const current = await resolveApp(services, request, request.params.app_id);
    const body = parseBody(ApplicationPatch, request.body);
    const throttleRate = body.throttleRate !== undefined ? body.throttleRate : body.rateLimit;
    const application = await services.applications.patch(current.id, {
      name: body.name,
      uid: body.uid,
      throttleRate,
      // Svix coerces a null metadata to {} rather than rejecting it.
      metadata: body.metadata === null ? {} : body.metadata,
      retrySchedule: body.retrySchedule,
    });
    return renderApplication(application);
  });

  app.delete<{ Params: AppParams }>("/api/v1/app/:app_id", adminOnly, async (request, reply) => {
    await services.applications.delete(request.params.app_id);
    return reply.status(204).send();
  });
}
