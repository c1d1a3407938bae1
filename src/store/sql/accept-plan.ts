/**
 * What to write for a batch of accepts, decided in memory from what the batch's lookups found. Pure, so both
 * dialects share it and only differ in how they read and write.
 */
import { newId } from "../../domain/ids.js";
import { MessageStatus, TriggerType, type EpochMs, type Message } from "../../domain/types.js";
import type { AcceptLease, AcceptRequest, AcceptResult } from "../store.js";
import type { DeliveryRow } from "./schema.js";

/** Svix keeps idempotent responses 12 hours; a message carrying a key is a replay target for as long. */
export const IDEMPOTENCY_WINDOW_MS = 12 * 60 * 60 * 1000;

/** The fields of a live, enabled endpoint that fan-out looks at (JSON columns still as text). */
export interface FanOutEndpointRow {
  id: string;
  app_id: string;
  event_types: string | null;
  channels: string | null;
}

/** What the batch's reads found. */
export interface AcceptLookups {
  /** Messages that already carry one of the batch's idempotency keys. */
  messagesByIdempotencyKey: ReadonlyMap<string, Message>;
  /** `eventIdKey(appId, eventId)` of the batch's event ids that already exist. */
  existingEventIds: ReadonlySet<string>;
  /** Live, enabled endpoints of the batch's applications. */
  endpoints: readonly FanOutEndpointRow[];
}

export interface PlannedDelivery {
  id: string;
  appId: string;
  messageId: string;
  endpointId: string;
}

export interface AcceptPlan {
  /** One per request, in order; `accepted` ones are only true once `messages` and `deliveries` are written. */
  results: AcceptResult[];
  messages: { message: Message; idempotencyKey: string | null }[];
  deliveries: PlannedDelivery[];
  /** Keys held by messages older than the window: cleared before the new message takes the key. */
  staleIdempotencyKeys: string[];
}

export function eventIdKey(appId: string, eventId: string): string {
  return `${appId}\u0000${eventId}`;
}

/** The distinct keys the batch's lookups need. */
export function acceptLookupKeys(batch: readonly AcceptRequest[]): {
  appIds: string[];
  idempotencyKeys: string[];
  eventIds: { appId: string; eventId: string }[];
} {
  const appIds = new Set<string>();
  const idempotencyKeys = new Set<string>();
  const eventIds = new Map<string, { appId: string; eventId: string }>();
  for (const { message, idempotencyKey } of batch) {
    appIds.add(message.appId);
    if (idempotencyKey !== null) idempotencyKeys.add(idempotencyKey);
    if (message.eventId !== null) {
      eventIds.set(eventIdKey(message.appId, message.eventId), {
        appId: message.appId,
        eventId: message.eventId,
      });
    }
  }
  return { appIds: [...appIds], idempotencyKeys: [...idempotencyKeys], eventIds: [...eventIds.values()] };
}

interface FanOutEndpoint {
  id: string;
  eventTypes: ReadonlySet<string> | null;
  channels: readonly string[] | null;
}

/**
 * svix-api.md §9.1: an endpoint receives a message when its event-type filter is absent or names the message's
 * type, and its channel filter is absent or shares a channel with the message (a message without channels does
 * not reach an endpoint that filters on channels).
 */
function matches(endpoint: FanOutEndpoint, message: Message): boolean {
  if (endpoint.eventTypes !== null && !endpoint.eventTypes.has(message.eventType)) return false;
  if (endpoint.channels === null) return true;
  const channels = message.channels;
  return channels !== null && endpoint.channels.some((channel) => channels.includes(channel));
}

function groupByApp(rows: readonly FanOutEndpointRow[]): Map<string, FanOutEndpoint[]> {
  const byApp = new Map<string, FanOutEndpoint[]>();
  for (const row of rows) {
    const endpoint: FanOutEndpoint = {
      id: row.id,
      eventTypes: row.event_types === null ? null : new Set(JSON.parse(row.event_types) as string[]),
      channels: row.channels === null ? null : (JSON.parse(row.channels) as string[]),
    };
    const list = byApp.get(row.app_id);
    if (list) list.push(endpoint);
    else byApp.set(row.app_id, [endpoint]);
  }
  return byApp;
}

export function planAccept(batch: readonly AcceptRequest[], lookups: AcceptLookups, now: number): AcceptPlan {
  const endpointsByApp = groupByApp(lookups.endpoints);
  const plan: AcceptPlan = { results: [], messages: [], deliveries: [], staleIdempotencyKeys: [] };
  // Keys and event ids taken by earlier items of this batch count as taken.
  const byKey = new Map<string, Message>();
  const takenEventIds = new Set<string>();

  for (const { message, idempotencyKey, onlyEndpointId } of batch) {
    if (idempotencyKey !== null) {
      const earlier = byKey.get(idempotencyKey) ?? lookups.messagesByIdempotencyKey.get(idempotencyKey);
      if (earlier !== undefined && earlier.createdAt > now - IDEMPOTENCY_WINDOW_MS) {
        plan.results.push({ kind: "replayed", message: earlier });
        continue;
      }
      if (earlier !== undefined && !byKey.has(idempotencyKey)) plan.staleIdempotencyKeys.push(idempotencyKey);
    }
    if (message.eventId !== null) {
      const key = eventIdKey(message.appId, message.eventId);
      if (takenEventIds.has(key) || lookups.existingEventIds.has(key)) {
        plan.results.push({ kind: "duplicate_event_id" });
        continue;
      }
      takenEventIds.add(key);
    }
    if (idempotencyKey !== null) byKey.set(idempotencyKey, message);

    const candidates = endpointsByApp.get(message.appId) ?? [];
    const targets = candidates.filter((endpoint) =>
      onlyEndpointId === undefined ? matches(endpoint, message) : endpoint.id === onlyEndpointId,
    );
    for (const endpoint of targets) {
      plan.deliveries.push({
        id: newId("delivery", now),
        appId: message.appId,
        messageId: message.id,
        endpointId: endpoint.id,
      });
    }
    plan.messages.push({ message, idempotencyKey });
    plan.results.push({ kind: "accepted", message, deliveries: targets.length });
  }
  return plan;
}

/** An endpoint's timeout when its row is not at hand, as the claim's SQL assumes. */
const FALLBACK_TIMEOUT_SECONDS = 60;

/**
 * When a lease taken at `now` ends (Store.claimDueDeliveries): at `leaseUntil`, or with `leaseByTimeout` at the
 * endpoint's timeout plus `extraMs`, whichever is earlier. The claims compute the same in SQL.
 */
export function leaseEnd(lease: AcceptLease, timeoutSeconds: number | undefined, now: EpochMs): EpochMs {
  if (lease.leaseByTimeout === undefined) return lease.leaseUntil;
  const byTimeout = now + lease.leaseByTimeout.extraMs + (timeoutSeconds ?? FALLBACK_TIMEOUT_SECONDS) * 1000;
  return Math.min(lease.leaseUntil, byTimeout);
}

/**
 * The planned deliveries an accept leases (Store.acceptMessagesAndLease): the first `lease.limit` of them, as the
 * rows a claim would leave — pending, leased, and due again when the lease ends. The others are written as usual.
 */
export function leasedDeliveryRows(
  deliveries: readonly PlannedDelivery[],
  lease: AcceptLease,
  timeoutSecondsOf: (endpointId: string) => number | undefined,
  now: EpochMs,
): DeliveryRow[] {
  return deliveries.slice(0, Math.max(0, lease.limit)).map((planned) => {
    const until = leaseEnd(lease, timeoutSecondsOf(planned.endpointId), now);
    return {
      id: planned.id,
      app_id: planned.appId,
      message_id: planned.messageId,
      endpoint_id: planned.endpointId,
      status: MessageStatus.Pending,
      trigger: TriggerType.Scheduled,
      attempt_count: 0,
      next_attempt_at: until,
      lease_until: until,
      last_status_code: null,
      created_at: now,
      updated_at: now,
    };
  });
}
