/**
 * Messages: accept (the hot path), read, expunge, send-example, and queueing manual deliveries.
 *
 * Accepting is group-committed (DESIGN §2): each request builds its message and submits it to the accept batcher;
 * everything submitted in one event-loop turn is written — messages, their deliveries, idempotency markers — by
 * one `store.acceptMessages` transaction, and each request is answered only after that commit.
 */
import { conflict, HeraldError, notFound, ValidationError, type ValidationIssue } from "../domain/errors.js";
import { newId, type DeliveryId } from "../domain/ids.js";
import type { Application, Endpoint, EpochMs, Message } from "../domain/types.js";
import { normaliseSet, uidProblem } from "../domain/validation.js";
import {
  catalogExample,
  generateExample,
  PING_EVENT_TYPE,
  PING_PAYLOAD,
  primarySchema,
} from "../domain/example-payload.js";
import { Batcher } from "../lib/batcher.js";
import type {
  AcceptLease,
  AcceptRequest,
  AcceptResult,
  ClaimedDelivery,
  ManualDeliveryRequest,
  MessageListFilter,
  Page,
  PageRequest,
} from "../store/store.js";
import type { ApplicationFields, ApplicationService } from "./applications.js";
import type { ServiceContext } from "./context.js";
import type { EndpointService } from "./endpoints.js";
import type { EventTypeService } from "./event-types.js";
import { createIdempotencyService, type IdempotencyService } from "./idempotency.js";
import type { ServiceOptions } from "./services.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Accepts per transaction, and accepts allowed to wait for one (beyond that: 503, which the SDK retries). */
const ACCEPT_BATCH_SIZE = 500;
const ACCEPT_MAX_PENDING = 20_000;
/** And at most this much payload text waiting, so that the count bound is a memory bound too. */
const ACCEPT_MAX_PENDING_PAYLOAD = 256 * 1024 * 1024;

/** A message to create, as the API received it (shape already checked). */
export interface MessageDraft {
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  /** The payload's exact text: the JSON the client sent, or `transformationsParams.rawPayload` verbatim. */
  payload: string;
  /** How long to keep the payload; null = the configured default. */
  retentionMs: number | null;
  /** Creates the application when `{app_id}` names none (its uid must equal `{app_id}`). */
  application: ApplicationFields | null;
}

/**
 * Capacity that the local delivery engine sets aside for one accept's deliveries, which the accept then leases in
 * its own transaction (Store.acceptMessagesAndLease) and hands straight on, instead of queueing them for a claim.
 * Exactly one of `take` and `cancel` is called, once.
 */
export interface LeaseOffer {
  readonly lease: AcceptLease;
  /** Hands on what the accept leased (at most `lease.limit`); the rest of the capacity is freed. */
  take(leased: readonly ClaimedDelivery[]): void;
  /** The accept failed: frees the capacity. */
  cancel(): void;
}

/** The local delivery engine, as accepts see it. */
export interface AcceptedDeliveryTaker {
  /** An offer when the engine has room and nothing older is waiting for it; else null. */
  offerLeases(): LeaseOffer | null;
}

export interface MessageService {
  /**
   * Accepts a message into the application `appIdOrUid`. `idempotencyKey` is the request's key hash: a retry
   * with the same hash returns the first message instead of creating another.
   */
  create(appIdOrUid: string, draft: MessageDraft, idempotencyKey: string | null): Promise<Message>;
  /** By id or eventId. The payload is null once expunged or expired. */
  get(application: Application, idOrEventId: string): Promise<Message>;
  list(application: Application, filter: MessageListFilter, page: PageRequest): Promise<Page<Message>>;
  expungeContent(application: Application, idOrEventId: string): Promise<void>;
  /**
   * Sends an event type's example (`schemas["1"].examples[exampleIndex]`; `svix.ping` needs none) to one
   * endpoint only, as a real message.
   */
  sendExample(
    application: Application,
    endpoint: Endpoint,
    eventTypeName: string,
    exampleIndex: number,
  ): Promise<Message>;
  /** Queues manual deliveries (resend, recover) and wakes the delivery engine. */
  queueManualDeliveries(requests: readonly ManualDeliveryRequest[]): Promise<DeliveryId[]>;
  /** Calls `listener` after deliveries were queued, so the local dispatcher need not wait for its next poll. */
  onDeliveriesQueued(listener: () => void): () => void;
  /** Lets each accept lease its deliveries for `taker` when it offers (one taker; a later call replaces it). */
  handDeliveriesTo(taker: AcceptedDeliveryTaker | null): void;
  /** The `idempotency-key` cache for the other POST routes. */
  readonly idempotency: IdempotencyService;
  /** Resolves once every accept submitted so far has been committed or failed (for shutdown). */
  drain(): Promise<void>;
}

/** The message as callers may see it: the payload is gone once it expired, even before a purge removed it. */
export function withLivePayload(message: Message, now: EpochMs): Message {
  return message.payload !== null && message.payloadExpiresAt <= now
    ? { ...message, payload: null }
    : message;
}

function validateDraft(draft: MessageDraft): void {
  const issues: ValidationIssue[] = [];
  if (draft.eventId !== null) {
    const problem = uidProblem(draft.eventId, "msg_");
    if (problem) issues.push({ loc: ["body", "eventId"], msg: problem, type: "value_error" });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/** A message sent to one endpoint on request (send-example, the test action): no event id, no channels. */
export function sampleMessage(
  application: Application,
  eventType: string,
  payload: string,
  now: EpochMs,
  payloadRetentionDays: number,
): Message {
  return {
    id: newId("message", now),
    appId: application.id,
    eventType,
    eventId: null,
    channels: null,
    payload,
    payloadExpiresAt: now + payloadRetentionDays * DAY_MS,
    createdAt: now,
  };
}

function hasCatalogExamples(schemas: Record<string, unknown> | null): boolean {
  const schema = schemas?.["1"];
  return (
    typeof schema === "object" &&
    schema !== null &&
    "examples" in schema &&
    Array.isArray(schema.examples) &&
    schema.examples.length > 0
  );
}

export function createMessageService(
  ctx: ServiceContext,
  options: ServiceOptions,
  deps: { applications: ApplicationService; endpoints: EndpointService; eventTypes: EventTypeService },
): MessageService {
  const { store } = ctx;
  const listeners = new Set<() => void>();
  let taker: AcceptedDeliveryTaker | null = null;

  function announceQueued(): void {
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        ctx.log.error({ err: error }, "a deliveries-queued listener failed");
      }
    }
  }

  const accepts = new Batcher<AcceptRequest, AcceptResult>({
    maxBatchSize: ACCEPT_BATCH_SIZE,
    maxPending: ACCEPT_MAX_PENDING,
    maxPendingWeight: ACCEPT_MAX_PENDING_PAYLOAD,
    weightOf: (request) => request.message.payload?.length ?? 0,
    overflowError: () =>
      new HeraldError("service_unavailable", "Too many messages are waiting to be stored; retry shortly."),
    async run(batch) {
      const offer = taker?.offerLeases() ?? null;
      // Set once the store hands the leased deliveries on: from then on they are the engine's, even if the
      // accept still fails (its sync), so the offer must not be cancelled.
      let leasedCount: number | null = null;
      let results: AcceptResult[];
      try {
        results = offer
          ? await store.acceptMessagesAndLease(batch, ctx.now(), offer.lease, (leased) => {
              leasedCount = leased.length;
              offer.take(leased);
            })
          : await store.acceptMessages(batch, ctx.now());
      } catch (error) {
        if (leasedCount === null) offer?.cancel();
        throw error;
      }
      // What the engine did not take waits in the queue for a claim.
      let queued = 0;
      for (const result of results) if (result.kind === "accepted") queued += result.deliveries;
      if (queued > (leasedCount ?? 0)) announceQueued();
      return results;
    },
  });

  async function accept(request: AcceptRequest): Promise<Message> {
    const result = await accepts.submit(request);
    switch (result.kind) {
      case "accepted":
      case "replayed":
        return result.message;
      case "duplicate_event_id":
        throw conflict("A message with this eventId already exists");
    }
  }

  async function get(application: Application, idOrEventId: string): Promise<Message> {
    const message = await store.getMessage(application.id, idOrEventId);
    if (!message) throw notFound();
    return withLivePayload(message, ctx.now());
  }

  return {
    idempotency: createIdempotencyService(ctx),
    get,

    async create(appIdOrUid, draft, idempotencyKey) {
      validateDraft(draft);
      const application = await deps.applications.findOrCreateInline(appIdOrUid, draft.application);
      const now = ctx.now();
      const retentionMs = draft.retentionMs ?? options.payloadRetentionDays * DAY_MS;
      const message: Message = {
        id: newId("message", now),
        appId: application.id,
        eventType: draft.eventType,
        eventId: draft.eventId,
        channels: draft.channels === null ? null : normaliseSet(draft.channels),
        payload: draft.payload,
        payloadExpiresAt: now + retentionMs,
        createdAt: now,
      };
      return accept({ message, idempotencyKey });
    },

    async list(application, filter, page) {
      const result = await store.listMessages(application.id, filter, page);
      const now = ctx.now();
      return { ...result, items: result.items.map((message) => withLivePayload(message, now)) };
    },

    async expungeContent(application, idOrEventId) {
      const message = await get(application, idOrEventId);
      await store.expungeMessageContent(application.id, message.id);
    },

    async sendExample(application, endpoint, eventTypeName, exampleIndex) {
      let payload = PING_PAYLOAD;
      if (eventTypeName !== PING_EVENT_TYPE) {
        const eventType = await deps.eventTypes.get(eventTypeName);
        const example =
          catalogExample(eventType.schemas, exampleIndex) ??
          // No examples in the catalog at all: a sample generated from the schema (an index past the
          // catalog's examples stays an error).
          (hasCatalogExamples(eventType.schemas)
            ? undefined
            : generateExample(primarySchema(eventType.schemas)));
        if (example === undefined) throw new HeraldError("invalid_scheme");
        payload = JSON.stringify(example);
      }
      const message = sampleMessage(
        application,
        eventTypeName,
        payload,
        ctx.now(),
        options.payloadRetentionDays,
      );
      return accept({ message, idempotencyKey: null, onlyEndpointId: endpoint.id });
    },

    async queueManualDeliveries(requests) {
      if (requests.length === 0) return [];
      const ids = await store.enqueueManualDeliveries(requests, ctx.now());
      if (ids.length > 0) announceQueued();
      return ids;
    },

    onDeliveriesQueued(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    handDeliveriesTo(next) {
      taker = next;
    },

    drain: () => accepts.idle(),
  };
}
