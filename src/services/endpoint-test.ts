/**
 * The endpoint test action (a Herald extension): send one sample event to one endpoint *now*, wait for the
 * receiver's answer and show it. The request is built, signed and sent exactly as the delivery engine does it;
 * the sending itself is injected (`SendTestWebhook`, from the delivery layer, wired in the composition root),
 * since services may not depend on delivery.
 *
 * The send is recorded like a resend: a real message (in the message list, with its id in `webhook-id`) and
 * one manual attempt in the delivery log. It is one attempt with no retries, and it is sent even to a disabled
 * endpoint — checking an endpoint before re-enabling it is what the action is for. A 410 answer does not
 * disable the endpoint either: the action reports, it does not act on the answer.
 */
import { HeraldError } from "../domain/errors.js";
import { examplePayload, PING_EVENT_TYPE, PING_PAYLOAD } from "../domain/example-payload.js";
import { newId } from "../domain/ids.js";
import { isSuccess } from "../domain/retry.js";
import {
  MessageStatus,
  TriggerType,
  type Application,
  type Attempt,
  type Endpoint,
  type EpochMs,
  type Message,
  type NetworkErrorKind,
} from "../domain/types.js";
import type { LoggedRequestHeaders, NewAttempt } from "../store/store.js";
import type { ServiceContext } from "./context.js";
import type { EndpointService } from "./endpoints.js";
import type { EventTypeService } from "./event-types.js";
import { sampleMessage } from "./messages.js";

/** What one synchronous send gave. */
export interface TestSendResult {
  /** 0 when no HTTP response was received. */
  statusCode: number;
  /** The (capped) response body, or the error text. */
  responseBody: string;
  durationMs: number;
  errorKind: NetworkErrorKind | null;
  /** When the attempt started (the attempt's time). */
  startedAt: EpochMs;
  /** The headers sent, credentials masked, as the engine logs them; null when no request could be built. */
  requestHeaders: LoggedRequestHeaders | null;
}

/** Builds, signs and sends `message` to `endpoint` once, as a delivery would be; never rejects on a send error. */
export type SendTestWebhook = (message: Message, endpoint: Endpoint) => Promise<TestSendResult>;

export interface EndpointTestOutcome {
  message: Message;
  attempt: Attempt;
}

export interface EndpointTestService {
  /**
   * `payload` is the JSON text to send; null takes the event type's sample (the catalog's example, else one
   * generated from its schema, else `{}`). The event type must exist in the catalog (404), except `svix.ping`.
   */
  test(
    application: Application,
    endpointIdOrUid: string,
    eventTypeName: string,
    payload: string | null,
  ): Promise<EndpointTestOutcome>;
}

export function createEndpointTestService(
  ctx: ServiceContext,
  options: { payloadRetentionDays: number },
  deps: {
    endpoints: EndpointService;
    eventTypes: EventTypeService;
    /** Absent where the process cannot send (then the action answers 501). */
    send: SendTestWebhook | undefined;
  },
): EndpointTestService {
  /** The payload's JSON text: the request's, else the event type's sample. */
  async function payloadFor(eventTypeName: string, requestPayload: string | null): Promise<string> {
    if (eventTypeName === PING_EVENT_TYPE) return requestPayload ?? PING_PAYLOAD;
    // The catalog is consulted even when a payload is given: testing an event type that does not exist is a
    // mistake worth a 404, as in send-example.
    const eventType = await deps.eventTypes.get(eventTypeName);
    return requestPayload ?? JSON.stringify(examplePayload(eventType.schemas).payload);
  }

  return {
    async test(application, endpointIdOrUid, eventTypeName, requestPayload) {
      const endpoint = await deps.endpoints.get(application, endpointIdOrUid);
      const payload = await payloadFor(eventTypeName, requestPayload);
      const send = deps.send;
      if (!send) throw new HeraldError("not_implemented", "This Herald process cannot send test events.");

      const now = ctx.now();
      const message = sampleMessage(application, eventTypeName, payload, now, options.payloadRetentionDays);
      const result = await send(message, endpoint);
      const attempt: NewAttempt = {
        id: newId("attempt", result.startedAt),
        appId: application.id,
        messageId: message.id,
        endpointId: endpoint.id,
        deliveryId: newId("delivery", now),
        eventType: eventTypeName,
        url: endpoint.url,
        status: isSuccess(result.statusCode) ? MessageStatus.Success : MessageStatus.Fail,
        responseStatusCode: result.statusCode,
        response: result.responseBody,
        responseDurationMs: result.durationMs,
        trigger: TriggerType.Manual,
        attemptNumber: 1,
        errorKind: result.errorKind,
        nextAttemptAt: null,
        createdAt: result.startedAt,
        requestHeaders: result.requestHeaders,
      };
      await ctx.store.recordSentMessage(message, attempt, ctx.now());
      return { message, attempt };
    },
  };
}
