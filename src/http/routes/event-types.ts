import type { FastifyInstance } from "fastify";
import { HeraldError } from "../../domain/errors.js";
import { examplePayload, PING_EVENT_TYPE, PING_PAYLOAD } from "../../domain/example-payload.js";
import type { EventType } from "../../domain/types.js";
import type { EventTypeFields } from "../../services/event-types.js";
import type { HttpDeps } from "../app.js";
import { principalOf } from "../auth.js";
import { isoDate } from "../dates.js";
import { listResponse, pageRequest } from "../pagination.js";
import {
  EventTypeDeleteQuery,
  EventTypeExampleQuery,
  type EventTypeExampleOut,
  EventTypeIn,
  EventTypeListQuery,
  EventTypePatch,
  EventTypeUpsertIn,
  type EventTypeOut,
} from "../schemas/event-types.js";
import { parseBody, parseQuery } from "../validation.js";

export function renderEventType(eventType: EventType, withContent = true): EventTypeOut {
  return {
    name: eventType.name,
    description: eventType.description,
    archived: eventType.archived,
    deprecated: eventType.deprecated,
    schemas: withContent ? eventType.schemas : null,
    groupName: eventType.groupName,
    featureFlags: eventType.featureFlags,
    featureFlag: eventType.featureFlags?.[0] ?? null,
    createdAt: isoDate(eventType.createdAt),
    updatedAt: isoDate(eventType.updatedAt),
  };
}

/** v1's single `featureFlag` stands in for `featureFlags` when only it is given. */
function featureFlagsOf(body: {
  featureFlags?: string[] | null;
  featureFlag?: string | null;
}): string[] | null | undefined {
  if (body.featureFlags !== undefined) return body.featureFlags;
  if (body.featureFlag === undefined) return undefined;
  return body.featureFlag === null ? null : [body.featureFlag];
}

function fieldsOf(body: EventTypeUpsertIn): EventTypeFields {
  return {
    description: body.description,
    archived: body.archived ?? false,
    deprecated: body.deprecated ?? false,
    schemas: body.schemas ?? null,
    groupName: body.groupName ?? null,
    featureFlags: featureFlagsOf(body) ?? null,
  };
}

type NameParams = { event_type_name: string };

export function eventTypeRoutes(app: FastifyInstance, { services }: HttpDeps): void {
  // Reads are open to application-scoped tokens too: a tenant's portal lists the catalog to pick filters from.
  // Writes are the operator's (routes without `:app_id` are admin-only by default, see http/access.ts).
  const anyToken = { config: { access: "any-token" } } as const;
  app.get("/api/v1/event-type", anyToken, async (request) => {
    principalOf(request);
    const query = parseQuery(EventTypeListQuery, request.query);
    const page = await services.eventTypes.list(
      pageRequest(query, { defaultOrder: "asc", honourOrder: false }),
      query.include_archived ?? false,
    );
    // Unlike messages, Svix's server default here is without content.
    const withContent = query.with_content ?? false;
    return listResponse(
      page,
      (eventType) => eventType.name,
      (eventType) => renderEventType(eventType, withContent),
    );
  });

  app.post("/api/v1/event-type", async (request, reply) => {
    const body = parseBody(EventTypeIn, request.body);
    const eventType = await services.eventTypes.create(body.name, fieldsOf(body));
    return reply.status(201).send(renderEventType(eventType));
  });

  app.post("/api/v1/event-type/import/openapi", async () => {
    throw new HeraldError(
      "not_implemented",
      "Importing event types from OpenAPI is not implemented by Herald.",
    );
  });

  app.get<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", anyToken, async (request) => {
    principalOf(request);
    return renderEventType(await services.eventTypes.get(request.params.event_type_name));
  });

  // Herald's addition: the payload send-example and the test action would send, so a UI can show it first.
  app.get<{ Params: NameParams }>(
    "/api/v1/event-type/:event_type_name/example",
    anyToken,
    async (request) => {
      principalOf(request);
      const query = parseQuery(EventTypeExampleQuery, request.query);
      const name = request.params.event_type_name;
      if (name === PING_EVENT_TYPE) {
        const ping: EventTypeExampleOut = {
          eventType: name,
          payload: JSON.parse(PING_PAYLOAD),
          source: "catalog",
        };
        return ping;
      }
      const eventType = await services.eventTypes.get(name);
      const example = examplePayload(eventType.schemas, query.index ?? 0);
      const out: EventTypeExampleOut = { eventType: eventType.name, ...example };
      return out;
    },
  );

  app.put<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request, reply) => {
    const fields = fieldsOf(parseBody(EventTypeUpsertIn, request.body));
    const { eventType, created } = await services.eventTypes.upsert(request.params.event_type_name, fields);
    return reply.status(created ? 201 : 200).send(renderEventType(eventType));
  });

  app.patch<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request) => {
    const body = parseBody(EventTypePatch, request.body);
    const eventType = await services.eventTypes.patch(request.params.event_type_name, {
      description: body.description,
      archived: body.archived,
      deprecated: body.deprecated,
      schemas: body.schemas,
      groupName: body.groupName,
      featureFlags: featureFlagsOf(body),
    });
    return renderEventType(eventType);
  });

  app.delete<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request, reply) => {
    const query = parseQuery(EventTypeDeleteQuery, request.query);
    await services.eventTypes.delete(request.params.event_type_name, query.expunge ?? false);
    return reply.status(204).send();
  });
}
