/**
 * The delivery log and its views (svix-api.md §7–8): attempts of the whole application (Herald's addition), by
 * endpoint or by message, one attempt, resend, expunge, and the per-message / per-endpoint delivery status
 * listings.
 */
import { HeraldError, notFound } from "../domain/errors.js";
import { isIdOf } from "../domain/ids.js";
import type { Application, MessageStatus } from "../domain/types.js";
import type {
  AttemptedDestination,
  AttemptedMessage,
  AttemptedMessageFilter,
  AttemptListFilter,
  LoggedAttempt,
  Page,
  PageRequest,
} from "../store/store.js";
import type { ApplicationService } from "./applications.js";
import type { ServiceContext } from "./context.js";
import type { EndpointService } from "./endpoints.js";
import { withLivePayload, type MessageService } from "./messages.js";

/** Attempt filters as the API takes them; the endpoint and message come from the path. */
export interface AttemptFilter {
  status: MessageStatus | null;
  statusCodeClass: number | null;
  channel: string | null;
  eventTypes: string[] | null;
  before: number | null;
  after: number | null;
}

export interface AttemptService {
  /** The application's whole delivery log; `endpointIdOrUid` narrows to one endpoint (an unknown one is a 404). */
  listByApplication(
    application: Application,
    endpointIdOrUid: string | null,
    filter: AttemptFilter,
    page: PageRequest,
  ): Promise<Page<LoggedAttempt>>;
  listByEndpoint(
    application: Application,
    endpointIdOrUid: string,
    filter: AttemptFilter,
    page: PageRequest,
  ): Promise<Page<LoggedAttempt>>;
  /** `endpointIdOrUid` narrows to one endpoint (an unknown one is a 404). */
  listByMessage(
    application: Application,
    messageIdOrEventId: string,
    endpointIdOrUid: string | null,
    filter: AttemptFilter,
    page: PageRequest,
  ): Promise<Page<LoggedAttempt>>;
  get(application: Application, messageIdOrEventId: string, attemptId: string): Promise<LoggedAttempt>;
  expungeContent(application: Application, messageIdOrEventId: string, attemptId: string): Promise<void>;
  /**
   * Queues one manual attempt of the message to the endpoint, bypassing its filters; nothing is queued for a
   * disabled endpoint (Svix answers 202 all the same). 400 `missing_payload` once the payload is gone.
   */
  resend(application: Application, messageIdOrEventId: string, endpointIdOrUid: string): Promise<void>;
  listAttemptedDestinations(
    application: Application,
    messageIdOrEventId: string,
    page: PageRequest,
  ): Promise<Page<AttemptedDestination>>;
  listAttemptedMessages(
    application: Application,
    endpointIdOrUid: string,
    filter: AttemptedMessageFilter,
    page: PageRequest,
  ): Promise<Page<AttemptedMessage>>;
}

export function createAttemptService(
  ctx: ServiceContext,
  deps: { applications: ApplicationService; endpoints: EndpointService; messages: MessageService },
): AttemptService {
  const { store } = ctx;
  const { endpoints, messages } = deps;

  async function get(
    application: Application,
    messageIdOrEventId: string,
    attemptId: string,
  ): Promise<LoggedAttempt> {
    const message = await messages.get(application, messageIdOrEventId);
    const attempt = isIdOf("attempt", attemptId)
      ? await store.getAttempt(application.id, message.id, attemptId)
      : null;
    if (!attempt) throw notFound();
    return attempt;
  }

  return {
    get,

    async listByApplication(application, endpointIdOrUid, filter, page) {
      const endpoint = endpointIdOrUid === null ? null : await endpoints.get(application, endpointIdOrUid);
      const storeFilter: AttemptListFilter = { ...filter, endpointId: endpoint?.id ?? null, messageId: null };
      return store.listAttempts(application.id, storeFilter, page);
    },

    async listByEndpoint(application, endpointIdOrUid, filter, page) {
      const endpoint = await endpoints.get(application, endpointIdOrUid);
      const storeFilter: AttemptListFilter = { ...filter, endpointId: endpoint.id, messageId: null };
      return store.listAttempts(application.id, storeFilter, page);
    },

    async listByMessage(application, messageIdOrEventId, endpointIdOrUid, filter, page) {
      const message = await messages.get(application, messageIdOrEventId);
      const endpoint = endpointIdOrUid === null ? null : await endpoints.get(application, endpointIdOrUid);
      const storeFilter: AttemptListFilter = {
        ...filter,
        endpointId: endpoint?.id ?? null,
        messageId: message.id,
      };
      return store.listAttempts(application.id, storeFilter, page);
    },

    async expungeContent(application, messageIdOrEventId, attemptId) {
      const attempt = await get(application, messageIdOrEventId, attemptId);
      await store.expungeAttemptContent(application.id, attempt.messageId, attempt.id);
    },

    async resend(application, messageIdOrEventId, endpointIdOrUid) {
      const message = await messages.get(application, messageIdOrEventId);
      const endpoint = await endpoints.get(application, endpointIdOrUid);
      if (message.payload === null) throw new HeraldError("missing_payload");
      if (endpoint.disabled) return;
      await messages.queueManualDeliveries([
        { appId: application.id, messageId: message.id, endpointId: endpoint.id },
      ]);
    },

    async listAttemptedDestinations(application, messageIdOrEventId, page) {
      const message = await messages.get(application, messageIdOrEventId);
      return store.listAttemptedDestinations(application.id, message.id, page);
    },

    async listAttemptedMessages(application, endpointIdOrUid, filter, page) {
      const endpoint = await endpoints.get(application, endpointIdOrUid);
      const result = await store.listAttemptedMessages(application.id, endpoint.id, filter, page);
      const now = ctx.now();
      return {
        ...result,
        items: result.items.map((row) => ({ ...row, message: withLivePayload(row.message, now) })),
      };
    },
  };
}
