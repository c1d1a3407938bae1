/**
 * Writes attempt outcomes in batches: every outcome submitted during one event-loop turn goes to one
 * `store.completeDeliveries` call (one transaction), and whatever arrives while a write is in flight forms the
 * next batch. The trade: an outcome waits up to one turn plus one write before it is durable, and N outcomes
 * cost one transaction instead of N.
 *
 * Writes are also paced: one starts at most every `minWriteIntervalMs` unless `eagerBatchSize` outcomes are
 * waiting (by default a full batch). At moderate rates results come back a few at a time, and a transaction per
 * few outcomes costs mostly its own overhead (on SQLite each one writes every page it touched to the WAL, one
 * syscall each, however little changed on it). An outcome that arrives after a quiet spell is written at once;
 * one that arrives soon after a write waits at most the interval. Sends do not wait for it: a delivery's slot
 * is only held a little longer.
 *
 * Bounded without a limit of its own: every buffered outcome belongs to a delivery the dispatcher still
 * counts against its in-flight cap until `onWritten` reports it, so the buffer never exceeds that cap and a
 * slow or failing database stops the claiming instead of growing memory.
 *
 * A failed write is logged and retried with backoff, never dropped: the deliveries stay leased meanwhile, and if
 * the process dies their leases expire and they are sent again (at-least-once). Only a shutdown that runs out
 * of time gives up on what is left, and says so in the log.
 */
import type { Logger } from "pino";
import type { EpochMs } from "../domain/types.js";
import type { DeliveryOutcome, Store } from "../store/store.js";

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export interface OutcomeWriterOptions {
  store: Pick<Store, "completeDeliveries">;
  now: () => EpochMs;
  log: Logger;
  maxBatchSize: number;
  /** The shortest time between the starts of two writes, unless `eagerBatchSize` are waiting; 0: back to back. */
  minWriteIntervalMs?: number;
  /**
   * Outcomes waiting that start a write without waiting for the interval (at most `maxBatchSize`, the default):
   * each waiting outcome holds its delivery's slot, so at high rates a batch this large is worth writing now.
   */
  eagerBatchSize?: number;
  /** Called after each committed batch. */
  onWritten: (outcomes: readonly DeliveryOutcome[]) => void;
}

export class OutcomeWriter {
  private queue: DeliveryOutcome[] = [];
  private scheduled = false;
  /** Set while a scheduled flush waits for the write interval to pass. */
  private intervalTimer: NodeJS.Timeout | null = null;
  private flushing = false;
  /** performance.now() when the last write started. */
  private lastWriteAt = -Infinity;
  private abandoned = false;
  private retryWait: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private idleWaiters: (() => void)[] = [];

  private readonly eagerBatchSize: number;

  constructor(private readonly options: OutcomeWriterOptions) {
    this.eagerBatchSize = Math.max(1, Math.min(options.maxBatchSize, options.eagerBatchSize ?? Infinity));
  }

  /** Outcomes not yet committed. */
  get pending(): number {
    return this.queue.length;
  }

  submit(outcome: DeliveryOutcome): void {
    if (this.abandoned) {
      this.options.log.error(
        { deliveryId: outcome.deliveryId },
        "delivery: outcome arrived after shutdown gave up writing; the delivery will be retried when its lease ends",
      );
      return;
    }
    this.queue.push(outcome);
    if (this.intervalTimer && this.queue.length >= this.eagerBatchSize) {
      // An eager batch does not wait for the interval.
      clearTimeout(this.intervalTimer);
      this.intervalTimer = null;
      this.scheduled = false;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.intervalTimer = null;
      void this.flush();
    };
    const waitMs = this.waitBeforeWriteMs();
    if (waitMs > 0) this.intervalTimer = setTimeout(run, waitMs);
    else setImmediate(run);
  }

  /** How long the next write should wait for the interval since the last one (0: it may start now). */
  private waitBeforeWriteMs(): number {
    if (this.queue.length >= this.eagerBatchSize) return 0;
    return this.lastWriteAt + (this.options.minWriteIntervalMs ?? 0) - performance.now();
  }

  /**
   * Resolves true once every outcome submitted so far is committed, or false after `timeoutMs`; then it stops
   * retrying and logs the deliveries whose outcomes were not written.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([idle, timedOut]);
    clearTimeout(timer);
    if (!drained) this.abandon();
    return drained;
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && !this.flushing && !this.scheduled;
  }

  private abandon(): void {
    this.abandoned = true;
    if (this.queue.length > 0) {
      this.options.log.error(
        { outcomes: this.queue.length, deliveryIds: this.queue.slice(0, 20).map((o) => o.deliveryId) },
        "delivery: gave up writing attempt outcomes at shutdown; these deliveries will be sent again when their leases end",
      );
    }
    this.queue = [];
    if (this.retryWait) {
      clearTimeout(this.retryWait.timer);
      this.retryWait.resolve();
    }
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    let failures = 0;
    try {
      while (this.queue.length > 0 && !this.abandoned) {
        // After a failure the backoff below paces the retries instead.
        if (failures === 0 && this.waitBeforeWriteMs() > 0) break;
        this.lastWriteAt = performance.now();
        const batch = this.queue.slice(0, this.options.maxBatchSize);
        try {
          await this.options.store.completeDeliveries(batch, this.options.now());
        } catch (error) {
          failures++;
          const retryInMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
          this.options.log.error(
            { err: error, outcomes: batch.length, failures, retryInMs },
            "delivery: writing attempt outcomes failed; retrying",
          );
          await this.pause(retryInMs);
          continue;
        }
        failures = 0;
        // The queue may have been abandoned during the write; only what was written leaves it.
        if (!this.abandoned) this.queue.splice(0, batch.length);
        try {
          this.options.onWritten(batch);
        } catch (error) {
          this.options.log.error({ err: error }, "delivery: handling written outcomes failed");
        }
      }
    } finally {
      this.flushing = false;
      if (this.queue.length > 0 && !this.abandoned) this.schedule();
      if (this.isIdle() || this.abandoned) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retryWait = null;
        resolve();
      }, ms);
      this.retryWait = { timer, resolve };
    });
  }
}
