import type { FastifyInstance, FastifyRequest } from "fastify";
import { HeraldError } from "../../domain/errors.js";
import type { Application, Endpoint, Message } from "../../domain/types.js";
import {
  DEFAULT_TIMEOUT_SECONDS,
  type EndpointExtras,
  type EndpointFields,
} from "../../services/endpoints.js";
import type { Services } from "../../services/services.js";
import { resolveApp } from "../app-scope.js";
import type { HttpDeps } from "../app.js";
import { isoDate, parseDateTime, parseOptionalDateTime } from "../dates.js";
import { listResponse, pageRequest } from "../pagination.js";
import { ListQuery } from "../schemas/common.js";
import {
  EndpointHeadersIn,
  EndpointHeadersPatchIn,
  EndpointIn,
  EndpointPatch,
  EndpointSecretRotateIn,
  EndpointStatsQuery,
  EndpointUpsertIn,
  EventExampleIn,
  RecoverIn,
  type EndpointHeadersOut,
  type EndpointOut,
  type MessageOut,
  type RecoverOut,
} from "../schemas/endpoints.js";
import { parseBody, parseQuery } from "../validation.js";

export function renderEndpoint(endpoint: Endpoint): EndpointOut {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    name: endpoint.name,
    description: endpoint.description,
    disabled: endpoint.disabled,
    // Both SDK generations' names, so v1 and v2 clients read the same endpoint (svix-api.md §12.5).
    eventTypes: endpoint.eventTypes,
    filterTypes: endpoint.eventTypes,
    channels: endpoint.channels,
    throttleRate: endpoint.throttleRate,
    rateLimit: endpoint.throttleRate,
    version: endpoint.version,
    metadata: endpoint.metadata,
    payloadFormat: endpoint.payloadFormat,
    signature: { ...endpoint.signature },
    retrySchedule: endpoint.retrySchedule === null ? null : [...endpoint.retrySchedule],
    timeoutSeconds: endpoint.timeoutSeconds,
    createdAt: isoDate(endpoint.createdAt),
    updatedAt: isoDate(endpoint.updatedAt),
  };
}

/** The example message as the SDK expects it back; Svix answers without content. */
function renderMessage(message: Message): MessageOut {
  return {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId,
    channels: message.channels,
    payload: {},
    timestamp: isoDate(message.createdAt),
  };
}

/** A field under its current name, else under the v1 SDK's alias: present (even as null) beats absent. */
const aliased = <T>(value: T | undefined, alias: T | undefined): T | undefined =>
  value !== undefined ? value : alias;

/** POST and PUT: full replacement, omitted fields take their defaults. */
function fieldsOf(body: EndpointIn): { fields: EndpointFields; extras: EndpointExtras } {
  const fields: EndpointFields = {
    url: body.url,
    name: body.name ?? "",
    description: body.description ?? "",
    uid: body.uid ?? null,
    disabled: body.disabled ?? false,
    eventTypes: aliased(body.eventTypes, body.filterTypes) ?? null,
    channels: body.channels ?? null,
    throttleRate: aliased(body.throttleRate, body.rateLimit) ?? null,
    metadata: body.metadata ?? {},
    version: body.version ?? 1,
    payloadFormat: body.payloadFormat ?? "json",
    signature: body.signature ?? { scheme: "standard" },
    retrySchedule: body.retrySchedule ?? null,
    timeoutSeconds: body.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
  };
  return {
    fields,
    extras: { secret: body.secret ?? null, headers: body.headers === null ? {} : body.headers },
  };
}

type AppParams = { app_id: string };
type EndpointParams = { app_id: string; endpoint_id: string };

async function resolveEndpoint(
  services: Services,
  request: FastifyRequest<{ Params: EndpointParams }>,
): Promise<{ application: Application; endpoint: Endpoint }> {
  const application = await resolveApp(services, request, request.params.app_id);
  return { application, endpoint: await services.endpoints.get(application, request.params.endpoint_id) };
}

const ENDPOINT = "/api/v1/app/:app_id/endpoint/:endpoint_id";

export function endpointRoutes(app: FastifyInstance, { services }: HttpDeps): void {
  app.get<{ Params: AppParams }>("/api/v1/app/:app_id/endpoint", async (request) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const query = parseQuery(ListQuery, request.query);
    const page = await services.endpoints.list(
      application,
      pageRequest(query, { defaultOrder: "desc", honourOrder: true, keyPrefix: "ep_" }),
    );
    return listResponse(page, (endpoint) => endpoint.id, renderEndpoint);
  });

  app.post<{ Params: AppParams }>("/api/v1/app/:app_id/endpoint", async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const { fields, extras } = fieldsOf(parseBody(EndpointIn, request.body));
    return reply
      .status(201)
      .send(renderEndpoint(await services.endpoints.create(application, fields, extras)));
  });

  app.get<{ Params: EndpointParams }>(ENDPOINT, async (request) => {
    return renderEndpoint((await resolveEndpoint(services, request)).endpoint);
  });

  app.put<{ Params: EndpointParams }>(ENDPOINT, async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const { fields, extras } = fieldsOf(parseBody(EndpointUpsertIn, request.body));
    const { endpoint, created } = await services.endpoints.upsert(
      application,
      request.params.endpoint_id,
      fields,
      extras,
    );
    return reply.status(created ? 201 : 200).send(renderEndpoint(endpoint));
  });

  app.patch<{ Params: EndpointParams }>(ENDPOINT, async (request) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const body = parseBody(EndpointPatch, request.body);
    const endpoint = await services.endpoints.patch(application, request.params.endpoint_id, {
      url: body.url,
      name: body.name,
      description: body.description,
      uid: body.uid,
      disabled: body.disabled,
      eventTypes: aliased(body.eventTypes, body.filterTypes),
      channels: body.channels,
      throttleRate: aliased(body.throttleRate, body.rateLimit),
      // Svix coerces a null metadata to {} rather than rejecting it.
      metadata: body.metadata === null ? {} : body.metadata,
      version: body.version,
      payloadFormat: body.payloadFormat,
      signature: body.signature,
      retrySchedule: body.retrySchedule,
      timeoutSeconds: body.timeoutSeconds,
      headers: body.headers === null ? {} : body.headers,
    });
    return renderEndpoint(endpoint);
  });

  app.delete<{ Params: EndpointParams }>(ENDPOINT, async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    await services.endpoints.delete(application, request.params.endpoint_id);
    return reply.status(204).send();
  });

  app.get<{ Params: EndpointParams }>(`${ENDPOINT}/secret`, async (request) => {
    const application = await resolveApp(services, request, request.params.app_id);
    return { key: await services.endpoints.getSecret(application, request.params.endpoint_id) };
  });

  app.post<{ Params: EndpointParams }>(`${ENDPOINT}/secret/rotate`, async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    // The SDK sends `{}` without arguments; curl users send nothing at all.
    const body = request.body === undefined ? {} : parseBody(EndpointSecretRotateIn, request.body);
    await services.endpoints.rotateSecret(
      application,
      request.params.endpoint_id,
      body.key ?? null,
      body.gracePeriodSeconds ?? null,
    );
    return reply.status(204).send();
  });

  app.get<{ Params: EndpointParams }>(`${ENDPOINT}/headers`, async (request): Promise<EndpointHeadersOut> => {
    const application = await resolveApp(services, request, request.params.app_id);
    return services.endpoints.getHeaders(application, request.params.endpoint_id);
  });

  app.put<{ Params: EndpointParams }>(`${ENDPOINT}/headers`, async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const body = parseBody(EndpointHeadersIn, request.body);
    await services.endpoints.setHeaders(application, request.params.endpoint_id, body.headers);
    return reply.status(204).send();
  });

  app.patch<{ Params: EndpointParams }>(`${ENDPOINT}/headers`, async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const body = parseBody(EndpointHeadersPatchIn, request.body);
    await services.endpoints.patchHeaders(
      application,
      request.params.endpoint_id,
      body.headers,
      body.deleteHeaders ?? [],
    );
    return reply.status(204).send();
  });

  app.post<{ Params: EndpointParams }>(`${ENDPOINT}/recover`, async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const body = parseBody(RecoverIn, request.body);
    const since = parseDateTime(body.since, ["body", "since"]);
    const until = parseOptionalDateTime(body.until, ["body", "until"]);
    const task = await services.endpoints.recover(application, request.params.endpoint_id, since, until);
    const out: RecoverOut = {
      id: task.id,
      status: task.status,
      task: task.task,
      updatedAt: isoDate(task.updatedAt),
    };
    return reply.status(202).send(out);
  });

  app.get<{ Params: EndpointParams }>(`${ENDPOINT}/stats`, async (request) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const query = parseQuery(EndpointStatsQuery, request.query);
    const since = parseOptionalDateTime(query.since, ["query", "since"]);
    const until = parseOptionalDateTime(query.until, ["query", "until"]);
    return services.endpoints.stats(application, request.params.endpoint_id, since, until);
  });

  app.post<{ Params: EndpointParams }>(`${ENDPOINT}/send-example`, async (request, reply) => {
    const { application, endpoint } = await resolveEndpoint(services, request);
    const body = parseBody(EventExampleIn, request.body);
    const message = await services.messages.sendExample(
      application,
      endpoint,
      body.eventType,
      body.exampleIndex ?? 0,
    );
    return reply.status(202).send(renderMessage(message));
  });

  // Svix Cloud features Herald does not offer; a JSON 501 lets the SDK raise a readable ApiException.
  const notImplemented = (feature: string) => async (request: FastifyRequest<{ Params: EndpointParams }>) => {
    await resolveEndpoint(services, request);
    throw new HeraldError("not_implemented", `${feature} is not implemented by Herald.`);
  };
  app.post<{ Params: EndpointParams }>(
    `${ENDPOINT}/replay-missing`,
    notImplemented("Replaying missing messages"),
  );
  app.post<{ Params: EndpointParams }>(`${ENDPOINT}/bulk-replay`, notImplemented("Bulk replay"));
  app.route<{ Params: EndpointParams }>({
    method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    url: `${ENDPOINT}/transformation`,
    handler: notImplemented("Endpoint transformations"),
  });
}
