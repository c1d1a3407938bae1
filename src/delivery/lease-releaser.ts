/**
 * Gives leases back without an attempt: deliveries the engine claimed but will not send now (a saturated or
 * rate-limited endpoint's excess, a disabled endpoint's queue, everything not yet sent at shutdown). Each
 * release makes the delivery pending and unleased again, due at `nextAttemptAt`, in one store call per
 * event-loop turn.
 *
 * A failed release call only forgets the deliveries: their leases still end at `leaseUntil` and they become
 * due again by themselves — slower, but never lost and never sent twice.
 */
import type { Logger } from "pino";
import type { EpochMs } from "../domain/types.js";
import type { LeaseRelease, Store } from "../store/store.js";

export type DeliveryRelease = LeaseRelease;

export type ReleaseDeliveries = Store["releaseDeliveries"];

const MAX_BATCH = 1000;

export class LeaseReleaser {
  private queue: DeliveryRelease[] = [];
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  /** Deliveries left to their lease's end because releasing them failed. */
  private leftLeased = 0;

  constructor(
    private readonly release: ReleaseDeliveries,
    private readonly now: () => EpochMs,
    private readonly log: Logger,
    /** Called after a batch is released with its earliest `nextAttemptAt`. */
    private readonly onReleased: (earliestDue: EpochMs) => void,
  ) {}

  submit(release: DeliveryRelease): void {
    this.queue.push(release);
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
      });
    });
  }

  /** Resolves once every release submitted so far was written (or given up); reports deliveries left leased. */
  async drain(): Promise<void> {
    while (this.scheduled || this.flushing) {
      if (this.flushing) await this.flushing;
      else await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.leftLeased > 0) {
      this.log.warn(
        { deliveries: this.leftLeased },
        "delivery: some leases could not be released; these deliveries are retried when their leases end",
      );
      this.leftLeased = 0;
    }
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.release(batch, this.now());
        this.onReleased(Math.min(...batch.map((release) => release.nextAttemptAt)));
      } catch (error) {
        this.leftLeased += batch.length;
        this.log.warn(
          { err: error, deliveries: batch.length },
          "delivery: releasing leases failed; they end by themselves",
        );
      }
    }
  }
}
