/**
 * Store operations beyond `store.ts`, offered by both implementations and proposed for the interface. The
 * delivery engine looks them up at runtime until they are declared there.
 */
import type { DeliveryId } from "../domain/ids.js";
import type { EpochMs } from "../domain/types.js";

/** A lease given back without an attempt (a saturated endpoint's excess, shutdown). */
export interface LeaseRelease {
  deliveryId: DeliveryId;
  /** The lease being given back: a delivery that no longer holds exactly this lease is left alone. */
  leaseUntil: EpochMs;
  /** When the delivery is due again. */
  nextAttemptAt: EpochMs;
}

export interface LeaseReleases {
  /** Makes each delivery pending and unleased again, due at `nextAttemptAt`; one transaction per call. */
  releaseDeliveries(releases: readonly LeaseRelease[], now: EpochMs): Promise<void>;
}

/** Wakes this process when another one queues deliveries (Postgres LISTEN/NOTIFY). */
export interface QueueWakeups {
  /** Calls `onQueued` after every commit that queued deliveries, in any process; resolves to an unsubscribe. */
  listenForQueuedWork(onQueued: () => void): Promise<() => Promise<void>>;
}
