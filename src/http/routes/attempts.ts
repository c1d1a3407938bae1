import type { FastifyInstance } from "fastify";
import { MESSAGE_STATUS_TEXT, type MessageStatus } from "../../domain/types.js";
import type { AttemptFilter } from "../../services/attempts.js";
import type { AttemptedDestination, AttemptedMessage, LoggedAttempt, Page } from "../../store/store.js";
import { resolveApp } from "../app-scope.js";
import type { HttpDeps } from "../app.js";
import { isoDate } from "../dates.js";
import { eventTypesFilter, timeWindow } from "../list-filters.js";
import { listResponse, pageRequest } from "../pagination.js";
import { jsonList, sendJson } from "../raw-json.js";
import {
  AttemptedMessagesQuery,
  AttemptListQuery,
  type MessageAttemptOut,
  type MessageEndpointOut,
} from "../schemas/attempts.js";
import { ListQuery, type ListResponse } from "../schemas/common.js";
import { parseQuery } from "../validation.js";
import { renderEndpoint } from "./endpoints.js";
import { renderMessageJson } from "./messages.js";

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : isoDate(ms));

/**
 * MessageAttemptOut; without content (the SDK's default for lists) `response` is `"{}"` and `requestHeaders`
 * is `{}`, so a log page stays small.
 */
export function renderAttempt(attempt: LoggedAttempt, withContent: boolean): MessageAttemptOut {
  return {
    id: attempt.id,
    msgId: attempt.messageId,
    endpointId: attempt.endpointId,
    url: attempt.url,
    response: withContent ? attempt.response : "{}",
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    status: attempt.status,
    statusText: MESSAGE_STATUS_TEXT[attempt.status],
    triggerType: attempt.trigger,
    timestamp: isoDate(attempt.createdAt),
    eventType: attempt.eventType,
    attemptNumber: attempt.attemptNumber,
    errorKind: attempt.errorKind,
    nextAttempt: isoOrNull(attempt.nextAttemptAt),
    requestHeaders: withContent ? attempt.requestHeaders : {},
  };
}

function renderAttemptList(
  page: Page<LoggedAttempt>,
  query: AttemptListQuery,
): ListResponse<MessageAttemptOut> {
  const withContent = query.with_content ?? true;
  return listResponse(
    page,
    (attempt) => attempt.id,
    (attempt) => renderAttempt(attempt, withContent),
  );
}

function renderDestination(row: AttemptedDestination): MessageEndpointOut {
  const { metadata: _metadata, ...endpoint } = renderEndpoint(row.endpoint);
  return {
    ...endpoint,
    status: row.status,
    statusText: MESSAGE_STATUS_TEXT[row.status],
    nextAttempt: isoOrNull(row.nextAttemptAt),
  };
}

function renderAttemptedMessageJson(row: AttemptedMessage, withContent: boolean): string {
  return renderMessageJson(row.message, withContent, {
    status: row.status,
    statusText: MESSAGE_STATUS_TEXT[row.status],
    nextAttempt: isoOrNull(row.nextAttemptAt),
  });
}

function attemptFilterOf(query: AttemptListQuery): AttemptFilter {
  return {
    ...timeWindow(query),
    status: (query.status ?? null) as MessageStatus | null,
    statusCodeClass: query.status_code_class ?? null,
    channel: query.channel ?? null,
    eventTypes: eventTypesFilter(query),
  };
}

type AppParams = { app_id: string };
type MessageParams = AppParams & { msg_id: string };
type EndpointParams = AppParams & { endpoint_id: string };
type AttemptParams = MessageParams & { attempt_id: string };

const ATTEMPT_PAGE = { defaultOrder: "desc", honourOrder: false, keyPrefix: "atmpt_" } as const;

export function attemptRoutes(app: FastifyInstance, { services }: HttpDeps): void {
  // Herald's addition: the application's whole delivery log (Svix lists attempts per endpoint or message only).
  app.get<{ Params: AppParams }>("/api/v1/app/:app_id/attempt", async (request) => {
    const query = parseQuery(AttemptListQuery, request.query);
    const application = await resolveApp(services, request, request.params.app_id);
    const page = await services.attempts.listByApplication(
      application,
      query.endpoint_id ?? null,
      attemptFilterOf(query),
      pageRequest(query, ATTEMPT_PAGE),
    );
    return renderAttemptList(page, query);
  });

  app.get<{ Params: EndpointParams }>(
    "/api/v1/app/:app_id/attempt/endpoint/:endpoint_id",
    async (request) => {
      const query = parseQuery(AttemptListQuery, request.query);
      const application = await resolveApp(services, request, request.params.app_id);
      const page = await services.attempts.listByEndpoint(
        application,
        request.params.endpoint_id,
        attemptFilterOf(query),
        pageRequest(query, ATTEMPT_PAGE),
      );
      return renderAttemptList(page, query);
    },
  );

  app.get<{ Params: MessageParams }>("/api/v1/app/:app_id/attempt/msg/:msg_id", async (request) => {
    const query = parseQuery(AttemptListQuery, request.query);
    const application = await resolveApp(services, request, request.params.app_id);
    const page = await services.attempts.listByMessage(
      application,
      request.params.msg_id,
      query.endpoint_id ?? null,
      attemptFilterOf(query),
      pageRequest(query, ATTEMPT_PAGE),
    );
    return renderAttemptList(page, query);
  });

  // One attempt always carries its full response.
  app.get<{ Params: AttemptParams }>(
    "/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id",
    async (request) => {
      const application = await resolveApp(services, request, request.params.app_id);
      const attempt = await services.attempts.get(
        application,
        request.params.msg_id,
        request.params.attempt_id,
      );
      return renderAttempt(attempt, true);
    },
  );

  app.delete<{ Params: AttemptParams }>(
    "/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id/content",
    async (request, reply) => {
      const application = await resolveApp(services, request, request.params.app_id);
      await services.attempts.expungeContent(application, request.params.msg_id, request.params.attempt_id);
      return reply.status(204).send();
    },
  );

  // The SDK sends no body and parses the answer: it must be 202 with `{}` (svix-api.md §12.1).
  app.post<{ Params: MessageParams & { endpoint_id: string } }>(
    "/api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend",
    async (request, reply) => {
      const application = await resolveApp(services, request, request.params.app_id);
      await services.attempts.resend(application, request.params.msg_id, request.params.endpoint_id);
      return reply.status(202).send({});
    },
  );

  app.get<{ Params: MessageParams }>("/api/v1/app/:app_id/msg/:msg_id/endpoint", async (request) => {
    const query = parseQuery(ListQuery, request.query);
    const application = await resolveApp(services, request, request.params.app_id);
    const page = await services.attempts.listAttemptedDestinations(
      application,
      request.params.msg_id,
      pageRequest(query, { defaultOrder: "asc", honourOrder: false, keyPrefix: "ep_" }),
    );
    return listResponse(page, (row) => row.endpoint.id, renderDestination);
  });

  app.get<{ Params: EndpointParams }>(
    "/api/v1/app/:app_id/endpoint/:endpoint_id/msg",
    async (request, reply) => {
      const query = parseQuery(AttemptedMessagesQuery, request.query);
      const application = await resolveApp(services, request, request.params.app_id);
      const filter = {
        ...timeWindow(query),
        status: (query.status ?? null) as MessageStatus | null,
        channel: query.channel ?? null,
        eventTypes: eventTypesFilter(query),
      };
      const page = await services.attempts.listAttemptedMessages(
        application,
        request.params.endpoint_id,
        filter,
        pageRequest(query, { defaultOrder: "desc", honourOrder: false, keyPrefix: "msg_" }),
      );
      const withContent = query.with_content ?? true;
      return sendJson(
        reply,
        200,
        jsonList(
          page,
          (row) => row.message.id,
          (row) => renderAttemptedMessageJson(row, withContent),
        ),
      );
    },
  );
}
