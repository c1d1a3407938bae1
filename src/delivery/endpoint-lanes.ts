/**
 * Per-endpoint lanes: claimed deliveries wait in their endpoint's lane until it has a free send slot
 * (`perEndpointConcurrency`) and, for an endpoint with a `throttleRate`, a rate-limit token.
 *
 * Fairness is why the lanes exist. Claims take the oldest due deliveries whatever their endpoint, and every
 * waiting delivery counts against the global in-flight cap, so one endpoint that hangs or is throttled could
 * otherwise fill the whole cap with deliveries that cannot be sent and starve every other endpoint. A lane
 * therefore holds only what it can start within `maxLaneWaitMs`: it estimates when each waiting delivery
 * would start (from its recent latency — at least the age of its oldest send in progress, so a hanging
 * endpoint is recognised while it hangs — and from its rate limit), and gives the lease of anything later
 * back to the queue, due about when the lane would have reached it. The estimate is checked when a delivery
 * arrives and by a sweep every `maxLaneWaitMs / 4` while anything waits; both look at the tail only, where
 * the latest starts are. A fast endpoint never waits long enough to release anything.
 *
 * A send starts only if its timeout ends `leaseMarginMs` before its lease does, so a lease never expires
 * during a send or while its outcome is written.
 *
 * Lanes live while they have work; an idle one is dropped once its rate-limit bucket is full again (a fresh
 * bucket starts full, so dropping it earlier would grant a free burst). With nothing to do, no timer runs.
 */
import type { EndpointId } from "../domain/ids.js";
import type { EpochMs } from "../domain/types.js";
import type { ClaimedDelivery } from "../store/store.js";
import { TokenBucket } from "./token-bucket.js";

export interface Job {
  claimed: ClaimedDelivery;
  leaseUntil: EpochMs;
}

export interface EndpointLanesOptions {
  perEndpointConcurrency: number;
  maxLaneWaitMs: number;
  leaseMarginMs: number;
  now: () => EpochMs;
  /** Sends one job within `timeoutMs`; resolves once its outcome is handed on. Must not reject. */
  send: (job: Job, timeoutMs: number) => Promise<void>;
  /** Gives the job's lease back; it becomes due at `nextAttemptAt`. */
  release: (job: Job, nextAttemptAt: EpochMs) => void;
}

/** A send shorter than this is not worth starting: the lease is nearly over, so the delivery goes back instead. */
const MIN_SEND_MS = 1_000;
/** How far back a released delivery is pushed at most, however slow its endpoint looks. */
const MAX_DEFER_MS = 5 * 60_000;
/** The API's upper bound on `timeoutSeconds`; every lease covers a send this long. */
export const MAX_SEND_MS = 60_000;
const LATENCY_WEIGHT = 0.2;
const GONE_DEFER_MS = 5_000;

/** The endpoint's timeout, kept within what the API allows even if a stored value is not. */
function endpointTimeoutMs(job: Job): number {
  const ms = job.claimed.endpoint.timeoutSeconds * 1000;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, MIN_SEND_MS), MAX_SEND_MS) : MAX_SEND_MS;
}

interface ActiveSend {
  startedAt: EpochMs;
}

interface Lane {
  endpointId: EndpointId;
  waiting: Job[];
  /** In start order: the first is the oldest send in progress. */
  active: Set<ActiveSend>;
  latencyMs: number | null;
  bucket: TokenBucket | null;
  rateTimer: NodeJS.Timeout | null;
  /** Answered 410 Gone: no more sends until the lane is dropped (the endpoint is being disabled). */
  gone: boolean;
}

export class EndpointLanes {
  private readonly lanes = new Map<EndpointId, Lane>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private waitingTotal = 0;
  private activeTotal = 0;

  constructor(private readonly options: EndpointLanesOptions) {}

  get waiting(): number {
    return this.waitingTotal;
  }

  get active(): number {
    return this.activeTotal;
  }

  get laneCount(): number {
    return this.lanes.size;
  }

  enqueue(job: Job): void {
    const now = this.options.now();
    if (this.closed) return this.options.release(job, now);
    const lane = this.laneFor(job.claimed, now);
    if (lane.gone) return this.options.release(job, now + GONE_DEFER_MS);
    lane.waiting.push(job);
    this.waitingTotal++;
    this.pump(lane, now);
    this.trimTail(lane, now);
    this.ensureSweep();
  }

  /**
   * The endpoint answered 410 Gone: nothing more starts for it, and what waits goes back, due after
   * `GONE_DEFER_MS`: by then the outcome that disables the endpoint is committed and the claim cancels them.
   */
  markGone(endpointId: EndpointId): void {
    const lane = this.lanes.get(endpointId);
    if (!lane) return;
    lane.gone = true;
    const now = this.options.now();
    this.releaseWaiting(lane, now + GONE_DEFER_MS);
    this.collect(lane, now);
  }

  /** Shutdown: every waiting delivery goes back at once; sends in progress run on. Returns how many. */
  releaseAll(): number {
    this.closed = true;
    const now = this.options.now();
    let released = 0;
    for (const lane of this.lanes.values()) {
      released += lane.waiting.length;
      this.releaseWaiting(lane, now);
      this.collect(lane, now);
    }
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    return released;
  }

  private laneFor(claimed: ClaimedDelivery, now: EpochMs): Lane {
    const { endpoint } = claimed;
    let lane = this.lanes.get(endpoint.id);
    if (!lane) {
      lane = {
        endpointId: endpoint.id,
        waiting: [],
        active: new Set(),
        latencyMs: null,
        bucket: null,
        rateTimer: null,
        gone: false,
      };
      this.lanes.set(endpoint.id, lane);
    }
    // The claim carries the endpoint as it is now, so a changed rate limit applies from the next delivery.
    const rate = endpoint.throttleRate;
    if (rate === null || !(rate > 0) || !Number.isFinite(rate)) lane.bucket = null;
    else if (lane.bucket === null) lane.bucket = new TokenBucket(rate, now);
    else if (lane.bucket.ratePerSecond !== rate) lane.bucket.setRate(rate, now);
    return lane;
  }

  private pump(lane: Lane, now: EpochMs): void {
    const { perEndpointConcurrency, leaseMarginMs } = this.options;
    while (
      lane.waiting.length > 0 &&
      lane.active.size < perEndpointConcurrency &&
      !lane.gone &&
      !this.closed
    ) {
      const job = lane.waiting[0] as Job;
      const timeoutMs = Math.min(endpointTimeoutMs(job), job.leaseUntil - leaseMarginMs - now);
      if (timeoutMs < MIN_SEND_MS) {
        lane.waiting.shift();
        this.waitingTotal--;
        this.options.release(job, now);
        continue;
      }
      if (lane.bucket && !lane.bucket.tryTake(now)) {
        this.scheduleRateTimer(lane, lane.bucket.msUntil(1, now));
        return;
      }
      lane.waiting.shift();
      this.waitingTotal--;
      this.start(lane, job, timeoutMs, now);
    }
  }

  private start(lane: Lane, job: Job, timeoutMs: number, now: EpochMs): void {
    const send: ActiveSend = { startedAt: now };
    lane.active.add(send);
    this.activeTotal++;
    void this.options.send(job, timeoutMs).finally(() => {
      lane.active.delete(send);
      this.activeTotal--;
      const finishedAt = this.options.now();
      const tookMs = finishedAt - send.startedAt;
      lane.latencyMs =
        lane.latencyMs === null ? tookMs : lane.latencyMs + LATENCY_WEIGHT * (tookMs - lane.latencyMs);
      this.pump(lane, finishedAt);
      this.collect(lane, finishedAt);
    });
  }

  private scheduleRateTimer(lane: Lane, delayMs: number): void {
    if (lane.rateTimer) return;
    lane.rateTimer = setTimeout(
      () => {
        lane.rateTimer = null;
        const now = this.options.now();
        this.pump(lane, now);
        this.collect(lane, now);
      },
      Math.max(1, delayMs),
    );
  }

  /** When the job at `position` in the waiting list would start, in ms from now (an estimate). */
  private estimatedWaitMs(lane: Lane, position: number, now: EpochMs): number {
    const concurrency = this.options.perEndpointConcurrency;
    let waitMs = 0;
    const completionsNeeded = lane.active.size + position + 1 - concurrency;
    if (completionsNeeded > 0) {
      const oldest = lane.active.values().next().value;
      const latencyMs = Math.max(lane.latencyMs ?? 0, oldest ? now - oldest.startedAt : 0);
      waitMs = Math.ceil(completionsNeeded / concurrency) * latencyMs;
    }
    if (lane.bucket) waitMs = Math.max(waitMs, lane.bucket.msUntil(position + 1, now));
    // Whole milliseconds: the result becomes a due time, which the store keeps as an integer (Postgres bigint
    // refuses a fraction, and would refuse the whole release batch with it).
    return Math.ceil(waitMs);
  }

  /** Releases waiting jobs from the tail while they would start later than `maxLaneWaitMs` from now. */
  private trimTail(lane: Lane, now: EpochMs): void {
    while (lane.waiting.length > 0) {
      const position = lane.waiting.length - 1;
      const waitMs = this.estimatedWaitMs(lane, position, now);
      if (waitMs <= this.options.maxLaneWaitMs) return;
      const job = lane.waiting.pop() as Job;
      this.waitingTotal--;
      this.options.release(job, now + Math.min(waitMs, MAX_DEFER_MS));
    }
  }

  private releaseWaiting(lane: Lane, nextAttemptAt: EpochMs): void {
    for (const job of lane.waiting) this.options.release(job, nextAttemptAt);
    this.waitingTotal -= lane.waiting.length;
    lane.waiting = [];
    if (lane.rateTimer) clearTimeout(lane.rateTimer);
    lane.rateTimer = null;
  }

  /** Drops an idle lane, unless its bucket still remembers recent sends. */
  private collect(lane: Lane, now: EpochMs): boolean {
    if (lane.active.size > 0 || lane.waiting.length > 0 || lane.rateTimer) return false;
    if (lane.bucket && !lane.bucket.isFull(now) && !this.closed) return false;
    if (this.lanes.get(lane.endpointId) === lane) this.lanes.delete(lane.endpointId);
    return true;
  }

  private ensureSweep(): void {
    if (this.sweepTimer || this.closed || this.lanes.size === 0) return;
    this.sweepTimer = setTimeout(
      () => {
        this.sweepTimer = null;
        this.sweep();
      },
      Math.max(10, Math.floor(this.options.maxLaneWaitMs / 4)),
    );
  }

  private sweep(): void {
    const now = this.options.now();
    for (const lane of this.lanes.values()) {
      this.trimTail(lane, now);
      this.collect(lane, now);
    }
    this.ensureSweep();
  }
}
