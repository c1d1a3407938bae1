import type { FastifyInstance } from "fastify";
import { HeraldError, ValidationError } from "../../domain/errors.js";
import type { Message } from "../../domain/types.js";
import { topLevelValueText } from "../../lib/json-span.js";
import type { MessageDraft } from "../../services/messages.js";
import { resolveApp } from "../app-scope.js";
import { applicationFieldsOf } from "./applications.js";
import type { HttpDeps } from "../app.js";
import { isoDate } from "../dates.js";
import { requestIdempotencyKey } from "../idempotency.js";
import { eventTypesFilter, timeWindow } from "../list-filters.js";
import { pageRequest } from "../pagination.js";
import { jsonList, sendJson, withRawMember } from "../raw-json.js";
import { MessageCreateQuery, MessageGetQuery, MessageIn, MessageListQuery } from "../schemas/messages.js";
import { parseBody, parseQuery } from "../validation.js";

const HOUR_MS = 60 * 60 * 1000;

/**
 * The payload member's JSON text: `{}` without content, `{"expired":true}` once the payload is gone.
 * `verifiedJson` is a text already known to be JSON (it came from a parsed body): it needs no second parse.
 */
function payloadJson(message: Message, withContent: boolean, verifiedJson: string | null): string {
  if (!withContent) return "{}";
  if (message.payload === null) return '{"expired":true}';
  if (message.payload === verifiedJson) return message.payload;
  // A raw payload (transformationsParams.rawPayload) need not be JSON; it is then shown as a string.
  try {
    JSON.parse(message.payload);
    return message.payload;
  } catch {
    return JSON.stringify(message.payload);
  }
}

/** MessageOut as JSON text, the stored payload embedded verbatim; `extra` adds fields (EndpointMessageOut). */
export function renderMessageJson(
  message: Message,
  withContent: boolean,
  extra: object = {},
  verifiedJson: string | null = null,
): string {
  const fields = {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId,
    channels: message.channels,
    timestamp: isoDate(message.createdAt),
    ...extra,
  };
  return withRawMember(fields, "payload", payloadJson(message, withContent, verifiedJson));
}

function rawPayloadOf(transformationsParams: unknown): string | null {
  if (typeof transformationsParams !== "object" || transformationsParams === null) return null;
  const raw = (transformationsParams as { rawPayload?: unknown }).rawPayload;
  if (typeof raw !== "string") return null;
  // JSON text never holds a raw NUL, but a decoded string can; PostgreSQL text cannot store one.
  if (raw.includes("\u0000")) {
    throw ValidationError.field(
      ["body", "transformationsParams", "rawPayload"],
      "The raw payload must not contain NUL characters",
    );
  }
  return raw;
}

/**
 * The payload's text: `transformationsParams.rawPayload` verbatim when given; otherwise the `payload` (or `data`)
 * member exactly as it appears in the request body, so what was sent is what is stored and delivered.
 */
function payloadTextOf(body: MessageIn, rawBody: string | undefined): string {
  const member = body.payload !== undefined ? "payload" : "data";
  const value: unknown = body[member];
  const rawPayload = rawPayloadOf(body.transformationsParams);
  if (value === undefined) {
    if (rawPayload !== null) return rawPayload;
    throw ValidationError.field(["body", "payload"], "Field required", "value_error.missing");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw ValidationError.field(["body", member], "Payload must be an object.");
  }
  if (rawPayload !== null) return rawPayload;
  const exact = rawBody === undefined ? undefined : topLevelValueText(rawBody, member);
  return exact ?? JSON.stringify(value);
}

/** The draft, and whether its payload text is known to be JSON (it came from the parsed body, not `rawPayload`). */
function draftOf(
  body: MessageIn,
  rawBody: string | undefined,
): { draft: MessageDraft; payloadIsJson: boolean } {
  const hours = body.payloadRetentionHours ?? null;
  const days = body.payloadRetentionPeriod ?? null;
  const retentionMs = hours !== null ? hours * HOUR_MS : days !== null ? days * 24 * HOUR_MS : null;
  const draft: MessageDraft = {
    eventType: body.eventType,
    eventId: body.eventId ?? null,
    channels: body.channels ?? null,
    payload: payloadTextOf(body, rawBody),
    retentionMs,
    application: body.application ? applicationFieldsOf(body.application) : null,
  };
  return { draft, payloadIsJson: rawPayloadOf(body.transformationsParams) === null };
}

type AppParams = { app_id: string };
type MessageParams = AppParams & { msg_id: string };

export function messageRoutes(app: FastifyInstance, { services }: HttpDeps): void {
  // The hot path. Its idempotency key goes to the store with the message (see idempotency.ts).
  app.post<{ Params: AppParams }>(
    "/api/v1/app/:app_id/msg",
    // Sending is the operator's backend's job (Svix: 403 for an app token), not a tenant portal's.
    { config: { idempotency: "route", access: "admin" } },
    async (request, reply) => {
      const query = parseQuery(MessageCreateQuery, request.query);
      const { draft, payloadIsJson } = draftOf(parseBody(MessageIn, request.body), request.rawBody);
      const message = await services.messages.create(
        request.params.app_id,
        draft,
        requestIdempotencyKey(request),
      );
      // The payload was parsed with the body; a replayed message may carry another text, which gets checked.
      const verified = payloadIsJson ? draft.payload : null;
      return sendJson(reply, 202, renderMessageJson(message, query.with_content ?? true, {}, verified));
    },
  );

  app.get<{ Params: AppParams }>("/api/v1/app/:app_id/msg", async (request, reply) => {
    const query = parseQuery(MessageListQuery, request.query);
    const application = await resolveApp(services, request, request.params.app_id);
    const filter = {
      ...timeWindow(query),
      channel: query.channel ?? null,
      eventTypes: eventTypesFilter(query),
    };
    const page = await services.messages.list(
      application,
      filter,
      pageRequest(query, { defaultOrder: "desc", honourOrder: false, keyPrefix: "msg_" }),
    );
    const withContent = query.with_content ?? true;
    return sendJson(
      reply,
      200,
      jsonList(
        page,
        (message) => message.id,
        (message) => renderMessageJson(message, withContent),
      ),
    );
  });

  app.get<{ Params: MessageParams }>("/api/v1/app/:app_id/msg/:msg_id", async (request, reply) => {
    const query = parseQuery(MessageGetQuery, request.query);
    const application = await resolveApp(services, request, request.params.app_id);
    const message = await services.messages.get(application, request.params.msg_id);
    return sendJson(reply, 200, renderMessageJson(message, query.with_content ?? true));
  });

  app.delete<{ Params: MessageParams }>("/api/v1/app/:app_id/msg/:msg_id/content", async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    await services.messages.expungeContent(application, request.params.msg_id);
    return reply.status(204).send();
  });

  // Svix Cloud routes the SDK exposes but Herald does not offer.
  for (const path of ["precheck/active", "bulk-expunge", "expunge-all-contents"]) {
    app.post<{ Params: AppParams }>(`/api/v1/app/:app_id/msg/${path}`, async (request) => {
      await resolveApp(services, request, request.params.app_id);
      throw new HeraldError("not_implemented");
    });
  }
}
