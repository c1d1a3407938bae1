/**
 * The claim loop (DESIGN §3). It leases due deliveries in batches and hands them on, holding at most
 * `maxInFlight` of them at a time: a delivery counts from its claim until its outcome is committed or its
 * lease is given back (`settle`).
 *
 * When it claims:
 * - at once after `start()`, after a `wake()` (a message was accepted here, or — on Postgres — anywhere), and
 *   after a full batch, since more are probably due;
 * - when the next due time arrives: the store's (`nextDueAt`: a retry, a lease that ends), or one this process
 *   just wrote (`noteDue`: a retry scheduled by an outcome, a lease given back), which the store would only
 *   report at the next check. These wake-ups fall on a grid of `DUE_GRANULARITY_MS`, so that what comes due
 *   within one step is claimed together;
 * - never while fewer than a quarter batch of slots is free: claiming one delivery per freed slot would turn the
 *   batch into per-delivery round trips. Completions wake it when enough slots are free again.
 * Otherwise it sleeps until the next due time, which a claim that took everything due reads in its own
 * transaction (no query of its own per claim). With nothing due it sleeps up to `idlePollMs`, then asks the
 * store for the next due time (one indexed query) before claiming anything: the backstop for work queued where
 * no wake-up reaches (the CLI on SQLite, a lost NOTIFY). An idle engine thus costs one query per `idlePollMs` and no CPU between.
 *
 * `wake()` only sets a flag and ends a sleep, so a burst of accepts costs one claim, not one each.
 *
 * An accept can save that claim altogether (`offerLeases`): while the loop sleeps because the last claim took
 * everything due, an accept in this process may lease its new deliveries itself, in its own transaction, and hand
 * them straight on. Nothing older is then waiting in the store, as far as this process knows (work that another
 * process queued waits for its wake-up or the poll, as before), except what came due within the current step of
 * the grid, which its wake-up claims: the accept is ahead of it by less than a step. At any other time (a backlog,
 * a wake-up pending, due work its wake-up has not claimed, no free capacity) there is no offer and the accept
 * queues its deliveries as usual. Without that step, an endpoint whose deliveries come due a few at a time (one
 * that hangs, and whose lane gives deliveries back) kept accepts off this path a third of the time on Postgres.
 */
import type { Logger } from "pino";
import type { EpochMs } from "../domain/types.js";
import type { LeaseOffer } from "../services/messages.js";
import type { AcceptLease, ClaimedBatch, ClaimedDelivery, Store } from "../store/store.js";

export interface DispatcherOptions {
  maxInFlight: number;
  claimBatchSize: number;
  idlePollMs: number;
  /** The longest a claim leases a delivery (an endpoint with the longest timeout). */
  leaseMs: number;
  /**
   * A delivery's lease beyond its endpoint's timeout: leases follow each endpoint's timeout, so a crashed
   * worker's deliveries to a 2-second endpoint come due again seconds later, not after the longest lease.
   */
  leaseBeyondTimeoutMs: number;
}

export interface DispatcherDeps {
  store: Pick<Store, "claimDueDeliveriesAndNextDue" | "nextDueAt">;
  now: () => EpochMs;
  log: Logger;
  /** Receives each claimed batch (each delivery carries its own `leaseUntil`); each must later be `settle`d. */
  onClaimed: (claimed: readonly ClaimedDelivery[]) => void;
}

/**
 * Pause after a claim found nothing although the store says work is due (rows another worker is claiming),
 * doubled each time in a row up to `idlePollMs`, so that due work no claim can take never becomes a busy loop.
 */
const CONTENDED_PAUSE_MS = 20;
const FIRST_ERROR_PAUSE_MS = 100;

/**
 * Wake-ups for work coming due (retries, deliveries a lane gave back) fall on this grid, so that what comes due
 * within one step is claimed together: a hanging endpoint's deliveries, released one by one with due times a few
 * milliseconds apart, otherwise cost a claim each.
 */
export const DUE_GRANULARITY_MS = 50;

/** When to wake for work due at `at`: the next step of the grid. */
export function dueWakeAt(at: EpochMs): EpochMs {
  return Math.ceil(at / DUE_GRANULARITY_MS) * DUE_GRANULARITY_MS;
}

/** Why a sleep ended: `woken` and `due` lead to a claim, `backstop` to asking the store what is due. */
type WakeReason = "woken" | "due" | "backstop";

export class Dispatcher {
  private held = 0;
  private wakeRequested = false;
  private stopping = false;
  private waitingForCapacity = false;
  private sleeper: {
    resolve: (reason: WakeReason) => void;
    timer: NodeJS.Timeout | null;
    until: EpochMs | null;
  } | null = null;
  private loop: Promise<void> | null = null;
  /** The earliest time `noteDue` reported that no claim has covered yet. */
  private dueHint: EpochMs | null = null;
  /** Asleep after a claim (or check) found nothing more due now: what an accept queues would be next in line. */
  private caughtUp = false;
  private readonly claimThreshold: number;

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {
    this.claimThreshold = Math.max(1, Math.floor(Math.min(options.claimBatchSize, options.maxInFlight) / 4));
  }

  /** Deliveries claimed and not yet settled. */
  get heldCount(): number {
    return this.held;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Capacity for an accept in this process to lease its deliveries itself, or null: only while the loop sleeps
   * caught up, with free capacity and no wake-up pending (see the header).
   */
  offerLeases(): LeaseOffer | null {
    if (!this.caughtUp || this.stopping || this.wakeRequested) return null;
    const now = this.deps.now();
    // Work that came due since its wake-up was scheduled is claimed at that wake-up, on the grid: until then an
    // accept jumps it by less than one step. Work still unclaimed after its wake-up is a queue not to jump.
    if (this.dueHint !== null && dueWakeAt(this.dueHint) < now) return null;
    const limit = Math.min(this.options.claimBatchSize, this.options.maxInFlight - this.held);
    if (limit < 1) return null;
    this.held += limit;
    let settled = false;
    // Never throws: the accept that calls it has committed, and its requests must be answered.
    const settleOnce = (taken: readonly ClaimedDelivery[]) => {
      if (settled) {
        this.deps.log.error("delivery: a lease offer was settled twice; ignored");
        return;
      }
      settled = true;
      if (taken.length > 0) this.deps.onClaimed(taken);
      // More than offered would be a store bug; they are held all the same (settle goes negative).
      this.settle(limit - taken.length);
    };
    return {
      lease: { limit, ...this.leaseTerms(now) },
      take: settleOnce,
      cancel: () => settleOnce([]),
    };
  }

  wake(): void {
    this.wakeRequested = true;
    if (this.sleeper && !this.waitingForCapacity) this.endSleep("woken");
  }

  /** Something becomes due at `at` (this process scheduled it): be awake then. */
  noteDue(at: EpochMs): void {
    // Kept too, for a sleep that starts later: a nextDueAt() answer may predate the write that made `at` due.
    if (this.dueHint === null || at < this.dueHint) this.dueHint = at;
    const sleeper = this.sleeper;
    const wakeAt = dueWakeAt(at);
    if (!sleeper || this.waitingForCapacity || (sleeper.until !== null && sleeper.until <= wakeAt)) return;
    if (sleeper.timer) clearTimeout(sleeper.timer);
    sleeper.until = wakeAt;
    sleeper.timer = setTimeout(() => this.endSleep("due"), Math.max(0, wakeAt - this.deps.now()));
  }

  /** `count` claimed deliveries are done with (outcome committed, or lease given back). */
  settle(count: number): void {
    this.held -= count;
    if (this.waitingForCapacity && this.options.maxInFlight - this.held >= this.claimThreshold) {
      this.endSleep("woken");
    }
  }

  /** Stops claiming; resolves once a claim in progress has been handed on. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.endSleep("woken");
    await this.loop;
  }

  private async run(): Promise<void> {
    let mode: "claim" | "check" = "claim";
    let failures = 0;
    let contended = 0;
    while (!this.stopping) {
      const free = this.options.maxInFlight - this.held;
      if (free < this.claimThreshold) {
        this.waitingForCapacity = true;
        await this.sleep(null, "due");
        this.waitingForCapacity = false;
        mode = "claim";
        continue;
      }
      try {
        let foundNothing = false;
        let nextDue: EpochMs | null;
        if (mode === "claim" || this.wakeRequested) {
          this.wakeRequested = false;
          const limit = Math.min(this.options.claimBatchSize, free);
          const batch = await this.claim(limit);
          const claimed = batch.claimed.length;
          failures = 0;
          if (claimed > 0) contended = 0;
          if (batch.full) {
            // A full batch: more is probably due. Let the sends just handed on start first.
            await new Promise((resolve) => setImmediate(resolve));
            mode = "claim";
            continue;
          }
          foundNothing = claimed === 0;
          // The claim took everything due, and read what comes due next in the same transaction.
          nextDue = batch.nextDueAt;
        } else {
          nextDue = await this.deps.store.nextDueAt();
        }
        if (this.stopping) break;
        failures = 0;
        const now = this.deps.now();
        if (nextDue !== null && nextDue <= now) {
          if (foundNothing) {
            contended++;
            const pauseMs = Math.min(this.options.idlePollMs, CONTENDED_PAUSE_MS * 2 ** (contended - 1));
            await this.sleep(now + pauseMs, "due");
          }
          mode = "claim";
          continue;
        }
        contended = 0;
        const backstop = now + this.options.idlePollMs;
        this.caughtUp = true;
        const reason =
          nextDue !== null && nextDue < backstop
            ? await this.sleep(dueWakeAt(nextDue), "due")
            : await this.sleep(backstop, "backstop");
        this.caughtUp = false;
        mode = reason === "backstop" ? "check" : "claim";
      } catch (error) {
        failures++;
        const pauseMs = Math.min(this.options.idlePollMs, FIRST_ERROR_PAUSE_MS * 2 ** (failures - 1));
        this.deps.log.error(
          { err: error, failures, retryInMs: pauseMs },
          "delivery: claiming deliveries failed",
        );
        await this.sleep(this.deps.now() + pauseMs, "due");
        mode = "claim";
      }
    }
  }

  /** The lease a delivery taken now gets, whether a claim or an accept (offerLeases) takes it. */
  private leaseTerms(now: EpochMs): Omit<AcceptLease, "limit"> {
    return {
      leaseUntil: now + this.options.leaseMs,
      leaseByTimeout: { extraMs: this.options.leaseBeyondTimeoutMs },
    };
  }

  private async claim(limit: number): Promise<ClaimedBatch> {
    const now = this.deps.now();
    if (this.dueHint !== null && this.dueHint <= now) this.dueHint = null;
    const { leaseUntil, leaseByTimeout } = this.leaseTerms(now);
    const batch = await this.deps.store.claimDueDeliveriesAndNextDue(limit, now, leaseUntil, leaseByTimeout);
    if (batch.claimed.length > 0) {
      this.held += batch.claimed.length;
      this.deps.onClaimed(batch.claimed);
    }
    return batch;
  }

  /**
   * Sleeps until `until` (null: no timer), a `wake()` (not while waiting for capacity), enough free capacity,
   * or `stop()`. The timer ends the sleep with `kind`.
   */
  private sleep(until: EpochMs | null, kind: "due" | "backstop"): Promise<WakeReason> {
    if (this.stopping) return Promise.resolve("woken");
    if (this.wakeRequested && !this.waitingForCapacity) return Promise.resolve("woken");
    const hintWakeAt = this.dueHint === null ? null : dueWakeAt(this.dueHint);
    if (until !== null && hintWakeAt !== null && hintWakeAt < until) {
      until = hintWakeAt;
      kind = "due";
    }
    return new Promise((resolve) => {
      const timer =
        until === null ? null : setTimeout(() => this.endSleep(kind), Math.max(0, until - this.deps.now()));
      this.sleeper = { resolve, timer, until };
    });
  }

  private endSleep(reason: WakeReason): void {
    const sleeper = this.sleeper;
    if (!sleeper) return;
    this.sleeper = null;
    if (sleeper.timer) clearTimeout(sleeper.timer);
    sleeper.resolve(reason);
  }
}
