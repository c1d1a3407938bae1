import type { Store, StoreCapabilities, StoreMetrics } from "../store.js";
import { applicationOperations } from "./applications.js";
import { attemptOperations } from "./attempts.js";
import type { SqlContext } from "./context.js";
import { deliveryStatsOperations } from "./delivery-stats.js";
import { deliveryStatusOperations } from "./delivery-status.js";
import { endpointOperations } from "./endpoints.js";
import { eventTypeOperations } from "./event-types.js";
import { idempotencyOperations } from "./idempotency.js";
import { manualSendOperations } from "./manual-sends.js";
import { messageOperations } from "./messages.js";
import { queueOperations } from "./queue.js";

/** The hot path, written per dialect: batched, hand-written SQL. */
export type HotPathOperations = Pick<
  Store,
  | "acceptMessages"
  | "acceptMessagesAndLease"
  | "claimDueDeliveries"
  | "claimDueDeliveriesAndNextDue"
  | "completeDeliveries"
  | "releaseDeliveries"
>;

export interface SqlStoreParts {
  context: SqlContext;
  capabilities: StoreCapabilities;
  metrics: StoreMetrics;
  hotPath: HotPathOperations;
  migrate(): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Every counter at zero, for a new store. */
export function emptyStoreMetrics(): StoreMetrics {
  return {
    acceptTransactions: 0,
    acceptedMessages: 0,
    claimTransactions: 0,
    claimedDeliveries: 0,
    outcomeTransactions: 0,
    recordedOutcomes: 0,
  };
}

/** A Store from the shared Kysely operations plus one dialect's hot path and lifecycle. */
export function createSqlStore(parts: SqlStoreParts): Store {
  const { context } = parts;
  return {
    capabilities: parts.capabilities,
    metrics: parts.metrics,
    migrate: parts.migrate,
    ping: parts.ping,
    close: parts.close,
    ...applicationOperations(context),
    ...eventTypeOperations(context),
    ...endpointOperations(context),
    ...messageOperations(context),
    ...attemptOperations(context),
    ...deliveryStatusOperations(context),
    ...deliveryStatsOperations(context),
    ...queueOperations(context),
    ...manualSendOperations(context),
    ...idempotencyOperations(context),
    acceptMessages: parts.hotPath.acceptMessages,
    acceptMessagesAndLease: parts.hotPath.acceptMessagesAndLease,
    claimDueDeliveries: parts.hotPath.claimDueDeliveries,
    claimDueDeliveriesAndNextDue: parts.hotPath.claimDueDeliveriesAndNextDue,
    completeDeliveries: parts.hotPath.completeDeliveries,
    releaseDeliveries: parts.hotPath.releaseDeliveries,
  };
}
