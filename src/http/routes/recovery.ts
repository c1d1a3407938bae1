/**
 * Herald's recovery extensions beside Svix's resend and recover: test an endpoint with one synchronous sample
 * event, and retry an application's deliveries in bulk by filter.
 */
import type { FastifyInstance } from "fastify";
import type { MessageStatus } from "../../domain/types.js";
import { topLevelValueText } from "../../lib/json-span.js";
import { resolveApp } from "../app-scope.js";
import type { HttpDeps } from "../app.js";
import { isoDate, parseDateTime, parseOptionalDateTime } from "../dates.js";
import { BulkRetryIn, EndpointTestIn, type BulkRetryOut, type EndpointTestOut } from "../schemas/recovery.js";
import { parseBody } from "../validation.js";

type AppParams = { app_id: string };
type EndpointParams = AppParams & { endpoint_id: string };

export function recoveryRoutes(app: FastifyInstance, { services }: HttpDeps): void {
  // 200, not 202: the receiver has answered by the time this responds.
  app.post<{ Params: EndpointParams }>(
    "/api/v1/app/:app_id/endpoint/:endpoint_id/test",
    async (request): Promise<EndpointTestOut> => {
      const application = await resolveApp(services, request, request.params.app_id);
      const body = parseBody(EndpointTestIn, request.body);
      // The payload is sent as the client wrote it, like a message's.
      const payload =
        body.payload === undefined || body.payload === null
          ? null
          : ((request.rawBody === undefined ? undefined : topLevelValueText(request.rawBody, "payload")) ??
            JSON.stringify(body.payload));
      const { message, attempt } = await services.endpointTest.test(
        application,
        request.params.endpoint_id,
        body.eventType,
        payload,
      );
      return {
        statusCode: attempt.responseStatusCode,
        responseBody: attempt.response,
        durationMs: attempt.responseDurationMs,
        errorKind: attempt.errorKind,
        msgId: message.id,
        attemptId: attempt.id,
      };
    },
  );

  app.post<{ Params: AppParams }>("/api/v1/app/:app_id/bulk-retry", async (request, reply) => {
    const application = await resolveApp(services, request, request.params.app_id);
    const body = parseBody(BulkRetryIn, request.body);
    const task = await services.bulkRetry.start(application, {
      status: (body.status ?? null) as MessageStatus | null,
      eventTypes: body.eventTypes ?? null,
      endpointIdOrUid: body.endpointId ?? null,
      since: parseDateTime(body.since, ["body", "since"]),
      until: parseOptionalDateTime(body.until, ["body", "until"]),
    });
    const out: BulkRetryOut = {
      id: task.id,
      status: task.status,
      task: task.task,
      updatedAt: isoDate(task.updatedAt),
    };
    return reply.status(202).send(out);
  });
}
