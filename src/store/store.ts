/**
 * The one storage interface. Two implementations live beside it — `sqlite/` (embedded default) and `postgres/` —
 * and all SQL lives under `store/`. Core code asks the store's `capabilities`, never which database it is.
 *
 * Every application-scoped read takes the application id and filters by it: that is the tenant boundary that
 * app-scoped (portal) tokens rely on.
 */
import type { DeliveryCounts } from "../domain/delivery-stats.js";
import type { ApplicationId, AttemptId, DeliveryId, EndpointId, MessageId } from "../domain/ids.js";
import type {
  Application,
  Attempt,
  Delivery,
  Endpoint,
  EndpointSecret,
  EpochMs,
  EventType,
  Message,
  MessageStatus,
} from "../domain/types.js";

export interface StoreCapabilities {
  /** Several Herald processes can share this store's queue (claims use `FOR UPDATE SKIP LOCKED`). */
  readonly sharedQueue: boolean;
  /** The store can wake other processes when work is queued (`LISTEN/NOTIFY`). */
  readonly crossProcessWakeups: boolean;
}

/**
 * Keyset pagination over a list sorted by a unique key (an id, or an event-type name).
 * `cursor` is the key of the last item the caller saw; `backward` walks towards the start of the list from it
 * (Svix's `prevIterator`). Items always come back in `order`.
 */
export interface PageRequest {
  limit: number;
  order: "asc" | "desc";
  cursor: string | null;
  backward: boolean;
}

export interface Page<T> {
  items: T[];
  /** True when no further items exist in the walking direction. */
  done: boolean;
}

/** An inclusive-exclusive window on creation time, expressed through the time-sortable ids: `(after, before)`. */
export interface TimeWindow {
  before: EpochMs | null;
  after: EpochMs | null;
}

export interface MessageListFilter extends TimeWindow {
  channel: string | null;
  eventTypes: string[] | null;
}

export interface AttemptListFilter extends TimeWindow {
  endpointId: EndpointId | null;
  messageId: MessageId | null;
  status: MessageStatus | null;
  /** 0, 100, 200, 300, 400 or 500: the attempt's status code lies in [class, class + 99] (0 = no response). */
  statusCodeClass: number | null;
  channel: string | null;
  eventTypes: string[] | null;
}

export interface AttemptedMessageFilter extends TimeWindow {
  channel: string | null;
  eventTypes: string[] | null;
  status: MessageStatus | null;
}

/**
 * The request headers of an attempt as the delivery log keeps them: as sent, `user-agent` included, with the
 * values of sensitive custom headers masked (domain/headers.ts `maskSensitiveHeaders`).
 */
export type LoggedRequestHeaders = Record<string, string>;

/** An attempt as the delivery log returns it. */
export interface LoggedAttempt extends Attempt {
  /** null when none were recorded: the request could not be built, or the attempt predates migration 0002. */
  requestHeaders: LoggedRequestHeaders | null;
}

/**
 * `LoggedRequestHeaders` as the JSON text the delivery log stores, serialised where the request was built (a
 * send thread), so that only a string crosses to the thread that writes it.
 */
export type LoggedRequestHeadersJson = string & { readonly __brand: "LoggedRequestHeadersJson" };

/** An attempt to write to the delivery log; without `requestHeaders` none are recorded. */
export type NewAttempt = Attempt & {
  requestHeaders?: LoggedRequestHeaders | LoggedRequestHeadersJson | null;
};

/** The most recent attempt to one endpoint, in brief (health views). */
export interface LatestAttempt {
  id: AttemptId;
  messageId: MessageId;
  endpointId: EndpointId;
  status: MessageStatus;
  responseStatusCode: number;
  createdAt: EpochMs;
}

/**
 * The per-minute health counters to sum: the minutes whose start lies in `[since, until]`. Counters exist per
 * whole minute only, so a caller wanting a window rounds its start down to a minute (`minuteOf`).
 */
export interface StatsMinutes {
  since: EpochMs;
  until: EpochMs;
}

export interface BucketCounts {
  /** The series bucket's start: a multiple of the bucket width since the epoch. */
  bucketStart: EpochMs;
  counts: DeliveryCounts;
}

export interface EndpointCounts {
  endpointId: EndpointId;
  counts: DeliveryCounts;
}

export interface EventTypeCount {
  eventType: string;
  count: number;
}

/** A message with one endpoint's delivery state (Svix's EndpointMessageOut). */
export interface AttemptedMessage {
  message: Message;
  status: MessageStatus;
  nextAttemptAt: EpochMs | null;
}

/** An endpoint with one message's delivery state (Svix's MessageEndpointOut); includes deleted endpoints. */
export interface AttemptedDestination {
  endpoint: Endpoint;
  status: MessageStatus;
  nextAttemptAt: EpochMs | null;
}

export interface EndpointAttemptCounts {
  success: number;
  pending: number;
  sending: number;
  fail: number;
  canceled: number;
}

/** One message to accept. The store writes it and its fan-out in the same transaction as the rest of its batch. */
export interface AcceptRequest {
  message: Message;
  /**
   * Hash of (credentials, idempotency key, request URI) when the request carried an `idempotency-key`: stored
   * on the message, so a retry within the idempotency window finds the message instead of creating another.
   */
  idempotencyKey: string | null;
  /** Fan out to this endpoint only, ignoring its filters (send-example); absent = every matching endpoint. */
  onlyEndpointId?: EndpointId;
}

export type AcceptResult =
  | { kind: "accepted"; message: Message; deliveries: number }
  /** Another message of this application already has this `eventId`. */
  | { kind: "duplicate_event_id" }
  /** The idempotency key was used within its window: the earlier message is returned, nothing is written. */
  | { kind: "replayed"; message: Message };

/** A due delivery handed to a worker, with everything needed to send it. */
export interface ClaimedDelivery {
  delivery: Delivery;
  message: Message;
  endpoint: Endpoint;
  application: Application;
}

/**
 * Leases an accept takes for the engine of the process that accepts (Store.acceptMessagesAndLease), on the same
 * terms as a claim's.
 */
export interface AcceptLease {
  /** Deliveries to lease at most, in the batch's order; the rest are queued as `acceptMessages` queues them. */
  limit: number;
  leaseUntil: EpochMs;
  leaseByTimeout?: { extraMs: number };
}

/** One claim: the leased deliveries and, when the claim found fewer than it could take, what is due next. */
export interface ClaimedBatch {
  claimed: ClaimedDelivery[];
  /**
   * The claim leased `limit` deliveries (some may have been cancelled instead of returned, so `claimed` can be
   * shorter): more is probably due.
   */
  full: boolean;
  /**
   * Only when the claim was not `full` (else null):
   * the earliest `nextAttemptAt` of any pending delivery after the claim, as `nextDueAt()` would report it, read
   * with the claim so that the dispatcher needs no query of its own before it sleeps.
   */
  nextDueAt: EpochMs | null;
}

/** What happened to one claimed delivery; written by `completeDeliveries` in one transaction per batch. */
export interface DeliveryOutcome {
  deliveryId: DeliveryId;
  attempt: NewAttempt;
  /** The delivery's next state: `pending` with `nextAttemptAt` to retry, else a final state. */
  nextStatus: MessageStatus;
  nextAttemptAt: EpochMs | null;
  /** Disable the endpoint (410 Gone, or the auto-disable rule). */
  disableEndpoint: boolean;
}

/** A lease given back without an attempt (a saturated endpoint's excess, shutdown). */
export interface LeaseRelease {
  deliveryId: DeliveryId;
  /** The lease being given back: a delivery that no longer holds exactly this lease is left alone. */
  leaseUntil: EpochMs;
  /** When the delivery is due again. */
  nextAttemptAt: EpochMs;
}

export interface ManualDeliveryRequest {
  appId: ApplicationId;
  messageId: MessageId;
  endpointId: EndpointId;
}

/**
 * Which deliveries a bulk retry re-sends. A (message, endpoint) pair is chosen when none of its deliveries is
 * still pending and: for `Fail`, one failed and none succeeded; for `Success`, one succeeded; for `Canceled`,
 * one was canceled and none succeeded.
 */
export interface RetryFilter {
  status: MessageStatus;
  /** Messages of these event types only; null = any. */
  eventTypes: string[] | null;
  /** Deliveries to this endpoint only; null = any live, enabled endpoint of the application. */
  endpointId: EndpointId | null;
  /** The messages' creation time: `[since, until)`. */
  since: EpochMs;
  until: EpochMs;
}

export interface RetryBatch {
  /** The chosen pairs, by message id then endpoint id. */
  requests: ManualDeliveryRequest[];
  /** The last message examined, to pass back for the next batch; null once the window is exhausted. */
  cursor: MessageId | null;
}

/** A cached 2xx response for an `idempotency-key` (Svix §1.6). */
export interface IdempotentResponse {
  statusCode: number;
  body: string;
}

export type IdempotencyClaim =
  /** The caller holds the key's lock and must `saveIdempotentResponse` or `releaseIdempotencyKey`. */
  | { state: "claimed" }
  /** Another request holds the lock until `lockedUntil`. */
  | { state: "locked"; lockedUntil: EpochMs }
  | { state: "completed"; response: IdempotentResponse };

export interface StoreMetrics {
  /** Transactions that accepted messages (group commit: many accepts share one). */
  acceptTransactions: number;
  acceptedMessages: number;
  /** Claim transactions (whether or not they found anything), and the deliveries they handed on to send. */
  claimTransactions: number;
  claimedDeliveries: number;
  /** Transactions that recorded attempt outcomes, and the outcomes. */
  outcomeTransactions: number;
  recordedOutcomes: number;
}

export interface Store {
  readonly capabilities: StoreCapabilities;
  readonly metrics: Readonly<StoreMetrics>;

  /** Runs pending numbered migrations; returns the ids applied. Safe to call concurrently from several processes. */
  migrate(): Promise<string[]>;
  /** A cheap round trip, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // Applications. `idOrUid` matches `id = x OR uid = x` among live applications.
  createApplication(app: Application): Promise<void>;
  getApplication(idOrUid: string): Promise<Application | null>;
  listApplications(page: PageRequest): Promise<Page<Application>>;
  /** Writes every field of `app` (by id). */
  updateApplication(app: Application): Promise<void>;
  /** Soft delete: the application disappears from lookups and its uid is free again. */
  deleteApplication(id: ApplicationId, now: EpochMs): Promise<void>;

  // Event types (one catalog per Herald; names are the keys).
  createEventType(eventType: EventType): Promise<void>;
  getEventType(name: string): Promise<EventType | null>;
  listEventTypes(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>>;
  updateEventType(eventType: EventType): Promise<void>;
  deleteEventType(name: string): Promise<void>;
  /** Of `names`, the ones that exist and are not archived. */
  findLiveEventTypeNames(names: readonly string[]): Promise<string[]>;

  // Endpoints. `idOrUid` matches within the application, live endpoints only.
  createEndpoint(endpoint: Endpoint, secret: EndpointSecret): Promise<void>;
  getEndpoint(appId: ApplicationId, idOrUid: string): Promise<Endpoint | null>;
  listEndpoints(appId: ApplicationId, page: PageRequest): Promise<Page<Endpoint>>;
  updateEndpoint(endpoint: Endpoint): Promise<void>;
  deleteEndpoint(appId: ApplicationId, id: EndpointId, now: EpochMs): Promise<void>;
  /** The current key first, then old keys whose grace period has not ended at `now`. Decrypted. */
  getEndpointSecrets(endpointId: EndpointId, now: EpochMs): Promise<EndpointSecret[]>;
  /**
   * Makes `secret` current; the previous current key expires at `previousExpiresAt`. Throws `limit_reached`
   * when more than 10 old keys would be live.
   */
  rotateEndpointSecret(
    endpointId: EndpointId,
    secret: EndpointSecret,
    previousExpiresAt: EpochMs,
    now: EpochMs,
  ): Promise<void>;

  // Messages.
  /** One transaction for the whole batch: messages, their deliveries, idempotency markers. Results in order. */
  acceptMessages(batch: readonly AcceptRequest[], now: EpochMs): Promise<AcceptResult[]>;
  /**
   * `acceptMessages`, which in the same transaction also leases up to `lease.limit` of the new deliveries, as
   * `claimDueDeliveries` would (the same lease ends), and hands them to `handOn` ready to send: an engine with
   * room and nothing older due saves the claim that would otherwise follow the accept. Like a claim's, these
   * leases end by themselves if the process dies, and the deliveries are then sent by whoever claims them.
   *
   * `handOn` is called once, as soon as the transaction has committed (with nothing when it leased nothing); the
   * promise resolves as `acceptMessages`' does, once the commit is durable. On SQLite that is a disk sync later,
   * which sending need not wait for: a message lost to a power cut before that sync was never acknowledged (the
   * API answers after it), so its producer's retry makes a duplicate of what was sent, at worst, as a crash may.
   * An accept that fails before committing never calls `handOn`; one whose sync fails rejects after calling it.
   */
  acceptMessagesAndLease(
    batch: readonly AcceptRequest[],
    now: EpochMs,
    lease: AcceptLease,
    handOn: (leased: ClaimedDelivery[]) => void,
  ): Promise<AcceptResult[]>;
  /** By id or by eventId within the application. */
  getMessage(appId: ApplicationId, idOrEventId: string): Promise<Message | null>;
  listMessages(appId: ApplicationId, filter: MessageListFilter, page: PageRequest): Promise<Page<Message>>;
  expungeMessageContent(appId: ApplicationId, id: MessageId): Promise<void>;

  // The delivery queue (the engine's side; see Delivery in domain/types.ts for the states).
  /**
   * Leases up to `limit` due pending deliveries until `leaseUntil`, oldest due first. With `leaseByTimeout`,
   * each delivery's lease ends earlier where its endpoint allows: at `now + endpoint timeout + extraMs` (never
   * after `leaseUntil`), so that a crashed worker's deliveries come due again after about their own timeout.
   * Each returned `delivery.leaseUntil` is its own lease.
   */
  claimDueDeliveries(
    limit: number,
    now: EpochMs,
    leaseUntil: EpochMs,
    leaseByTimeout?: { extraMs: number },
  ): Promise<ClaimedDelivery[]>;
  /** `claimDueDeliveries`, plus the next due time when the queue had fewer than `limit` due (see ClaimedBatch). */
  claimDueDeliveriesAndNextDue(
    limit: number,
    now: EpochMs,
    leaseUntil: EpochMs,
    leaseByTimeout?: { extraMs: number },
  ): Promise<ClaimedBatch>;
  /** Attempt rows, delivery state changes and endpoint stats for a batch, in one transaction. */
  completeDeliveries(outcomes: readonly DeliveryOutcome[], now: EpochMs): Promise<void>;
  /** Makes each delivery pending and unleased again, due at `nextAttemptAt`; one transaction per call. */
  releaseDeliveries(releases: readonly LeaseRelease[], now: EpochMs): Promise<void>;
  /**
   * Only where `capabilities.crossProcessWakeups`: calls `onQueued` after every commit that queued deliveries
   * (or gave leases back) through any other store instance sharing the queue, in this process or another; resolves
   * to an unsubscribe function. A store's own commits are left out: the process that made them wakes its engine
   * itself, and a second wake-up through the database would only cost an empty claim.
   */
  listenForQueuedWork?(onQueued: () => void): Promise<() => Promise<void>>;
  /** Queues one manual attempt per request (resend, recover), due at `now`. */
  enqueueManualDeliveries(requests: readonly ManualDeliveryRequest[], now: EpochMs): Promise<DeliveryId[]>;
  /**
   * Message ids whose deliveries to this endpoint failed in `[since, until)` with no success since, oldest
   * first, after `cursor` (a message id), at most `limit`: the input of endpoint recovery.
   */
  listFailedMessageIds(
    endpointId: EndpointId,
    since: EpochMs,
    until: EpochMs,
    cursor: MessageId | null,
    limit: number,
  ): Promise<MessageId[]>;
  /**
   * One batch of a bulk retry: examines up to `limit` messages of the application after `cursor` (oldest
   * first) whose payload is still available at `now`, and returns their deliveries that `filter` chooses,
   * skipping endpoints that are deleted or disabled. Each call does bounded work; the caller loops on `cursor`.
   */
  listDeliveriesForRetry(
    appId: ApplicationId,
    filter: RetryFilter,
    cursor: MessageId | null,
    limit: number,
    now: EpochMs,
  ): Promise<RetryBatch>;
  /**
   * Records a message that was already sent once, synchronously, to one endpoint (the endpoint test action):
   * the message, a settled delivery for `attempt.deliveryId` and the attempt itself, in one transaction.
   * Nothing is queued, so the engine never sends it again.
   */
  recordSentMessage(message: Message, attempt: NewAttempt, now: EpochMs): Promise<void>;
  /** The earliest `nextAttemptAt` of any pending delivery (leased or not), for the dispatcher's sleep. */
  nextDueAt(): Promise<EpochMs | null>;

  // The delivery log.
  /** `filter.endpointId` and `filter.messageId` null: the whole application's log. */
  listAttempts(
    appId: ApplicationId,
    filter: AttemptListFilter,
    page: PageRequest,
  ): Promise<Page<LoggedAttempt>>;
  getAttempt(appId: ApplicationId, messageId: MessageId, attemptId: AttemptId): Promise<LoggedAttempt | null>;
  /** Replaces the response body; the request headers stay (they are not the payload, and sensitive ones are masked). */
  expungeAttemptContent(appId: ApplicationId, messageId: MessageId, attemptId: AttemptId): Promise<void>;
  listAttemptedDestinations(
    appId: ApplicationId,
    messageId: MessageId,
    page: PageRequest,
  ): Promise<Page<AttemptedDestination>>;
  listAttemptedMessages(
    appId: ApplicationId,
    endpointId: EndpointId,
    filter: AttemptedMessageFilter,
    page: PageRequest,
  ): Promise<Page<AttemptedMessage>>;
  countEndpointAttempts(
    endpointId: EndpointId,
    since: EpochMs,
    until: EpochMs,
  ): Promise<EndpointAttemptCounts>;

  // Health statistics (the per-minute `endpoint_stats` counters the outcome batches keep; no attempt-log scans).
  /**
   * The application's counters in `minutes`, summed per series bucket of `bucketMs` (a multiple of a minute;
   * buckets aligned to multiples of it since the epoch), oldest first; buckets without attempts are left out.
   * `endpointId` narrows to one endpoint of the application; null counts every endpoint, deleted ones too.
   */
  sumStatsByBucket(
    appId: ApplicationId,
    endpointId: EndpointId | null,
    minutes: StatsMinutes,
    bucketMs: number,
  ): Promise<BucketCounts[]>;
  /** The application's counters in `minutes`, summed per endpoint (deleted ones too); endpoints without attempts are left out. */
  sumStatsByEndpoint(appId: ApplicationId, minutes: StatsMinutes): Promise<EndpointCounts[]>;
  /** The most recent attempt of each live endpoint of the application that has one (one index probe each). */
  latestAttemptPerEndpoint(appId: ApplicationId): Promise<LatestAttempt[]>;
  /** The application's messages created in `[since, until]`, counted by event type, most frequent first. */
  countMessagesByEventType(appId: ApplicationId, since: EpochMs, until: EpochMs): Promise<EventTypeCount[]>;

  // Idempotency keys (`key` is already a hash of credentials, header value and URI).
  claimIdempotencyKey(key: string, now: EpochMs, lockUntil: EpochMs): Promise<IdempotencyClaim>;
  saveIdempotentResponse(key: string, response: IdempotentResponse, expiresAt: EpochMs): Promise<void>;
  releaseIdempotencyKey(key: string): Promise<void>;
  /** Deletes expired keys; returns how many. */
  purgeExpiredIdempotencyKeys(now: EpochMs): Promise<number>;
}
