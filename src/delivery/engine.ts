/**
 * The delivery engine (DESIGN §3): claim due deliveries (dispatcher.ts), queue them per endpoint under the
 * concurrency and rate caps (endpoint-lanes.ts), build, sign and send each attempt (attempts.ts, in send
 * threads by default: send-threads.ts), turn the result into an outcome (outcome.ts) and write outcomes in
 * batches (outcome-writer.ts).
 *
 * Lifecycle: `start()` subscribes to cross-process wake-ups when the store offers them and starts claiming;
 * `wake()` is for the API after each committed accept; `stop()` stops claiming, gives back the leases of
 * deliveries not yet sent, lets sends in progress finish for up to `drainTimeoutMs` (then interrupts them and
 * records them as interrupted attempts, retried on their schedule), writes every outcome, and resolves.
 * Concurrent `start()` calls share one promise, and so do `stop()` calls.
 *
 * At-least-once: a crash leaves leases that end by themselves, and their deliveries are sent again — a crash
 * may cause a duplicate, never a loss.
 */
import type { Logger } from "pino";
import type { TargetAllowList } from "../domain/address-policy.js";
import type { SignatureHeaderStyle } from "../domain/signing.js";
import type { EpochMs, RetrySchedule } from "../domain/types.js";
import type { LeaseOffer } from "../services/messages.js";
import type { ClaimedDelivery, Store } from "../store/store.js";
import { Dispatcher } from "./dispatcher.js";
import { EndpointLanes, MAX_SEND_MS, type Job } from "./endpoint-lanes.js";
import { LeaseReleaser } from "./lease-releaser.js";
import { LocalAttempts, type AttemptTransport } from "./attempts.js";
import { buildOutcome } from "./outcome.js";
import { OutcomeWriter } from "./outcome-writer.js";
import type { SendThreadData } from "./send-thread-protocol.js";
import { SendThreads } from "./send-threads.js";
import { SigningKeyCache } from "./signing-keys.js";

export interface DeliveryEngineDeps {
  store: Store;
  log: Logger;
  now: () => EpochMs;
  /** Uniform in [0, 1): retry jitter. */
  random: () => number;
}

export interface DeliveryEngineOptions {
  signatureHeaderStyle: SignatureHeaderStyle;
  /** Seconds before each retry when neither the endpoint nor its application sets a schedule. */
  defaultRetrySchedule: RetrySchedule;
  /** `Herald/<version>`. */
  userAgent: string;
  /** Private targets the operator allows (tests: 127.0.0.1). */
  allowList: TargetAllowList;
  /** Deliveries held at once: sending, waiting for their endpoint, or awaiting their outcome's write. */
  maxInFlight?: number;
  /** Sends in progress to one endpoint (per process). */
  perEndpointConcurrency?: number;
  claimBatchSize?: number;
  /** The longest sleep without asking the store what is due. */
  idlePollMs?: number;
  /** Time kept between a send's deadline and its lease's end, for writing its outcome. */
  leaseMarginMs?: number;
  /** Claimed deliveries that would wait longer than this for their endpoint go back to the queue. */
  maxLaneWaitMs?: number;
  /** How long `stop()` lets sends in progress finish before interrupting them. */
  drainTimeoutMs?: number;
  /** Response bytes kept in the delivery log per attempt. */
  maxResponseBytes?: number;
  /** How long an endpoint's signing keys are reused before its secrets are read again. */
  signingKeyCacheMs?: number;
  /** Outcomes per `completeDeliveries` call at most. */
  outcomeBatchSize?: number;
  /** The shortest time between two outcome writes, unless a quarter of `maxInFlight` waits (outcome-writer.ts). */
  outcomeWriteIntervalMs?: number;
  /**
   * Worker threads that send (send-threads.ts); 0 sends on the engine's own thread. Default
   * `DEFAULT_SEND_THREADS`.
   */
  sendThreads?: number;
}

type Tuning = Required<
  Omit<
    DeliveryEngineOptions,
    "signatureHeaderStyle" | "defaultRetrySchedule" | "userAgent" | "allowList" | "sendThreads"
  >
>;

/** One thread sends for the main thread: on 2 cores, more would only compete with it for the CPU. */
export const DEFAULT_SEND_THREADS = 1;

export const DELIVERY_ENGINE_DEFAULTS: Readonly<Tuning> = Object.freeze({
  maxInFlight: 256,
  perEndpointConcurrency: 32,
  claimBatchSize: 128,
  idlePollMs: 2_000,
  leaseMarginMs: 5_000,
  maxLaneWaitMs: 2_000,
  drainTimeoutMs: 10_000,
  maxResponseBytes: 64 * 1024,
  signingKeyCacheMs: 5_000,
  outcomeBatchSize: 500,
  outcomeWriteIntervalMs: 10,
});

/** Before a delivery whose endpoint's secrets could not be read is tried again. */
const SECRETS_RETRY_MS = 5_000;
const UNEXPECTED_FAILURE_RETRY_MS = 30_000;
/** After interrupting sends at shutdown, how long their results get to come back. */
const INTERRUPT_GRACE_MS = 2_000;
const MAX_ORIGINS = 1_000;
const SIGNING_KEY_CACHE_ENTRIES = 10_000;

export interface DeliveryEngineStats {
  /** Claimed and not yet settled. */
  held: number;
  sending: number;
  waiting: number;
  unwrittenOutcomes: number;
}

export interface DeliveryEngine {
  start(): Promise<void>;
  /** Deliveries were queued: claim now instead of at the next poll. Cheap; a burst costs one claim. */
  wake(): void;
  /** Room for an accept to lease its deliveries itself and hand them straight on (Dispatcher.offerLeases). */
  offerLeases(): LeaseOffer | null;
  stop(): Promise<void>;
  stats(): DeliveryEngineStats;
}

/** The store's cross-process wake-ups (Postgres LISTEN/NOTIFY), where it has them. */
type ListenForQueuedWork = (onQueued: () => void) => Promise<() => Promise<void>>;

function queueListenerOf(store: Store): ListenForQueuedWork | null {
  if (!store.capabilities.crossProcessWakeups || !store.listenForQueuedWork) return null;
  return store.listenForQueuedWork.bind(store);
}

function tuning(options: DeliveryEngineOptions): Tuning {
  const settings: Tuning = { ...DELIVERY_ENGINE_DEFAULTS };
  for (const key of Object.keys(DELIVERY_ENGINE_DEFAULTS) as (keyof Tuning)[]) {
    const value = options[key];
    if (value === undefined) continue;
    // Only the write interval may be 0 (writes back to back).
    const mayBeZero = key === "outcomeWriteIntervalMs";
    if (!Number.isFinite(value) || value < 0 || (value === 0 && !mayBeZero))
      throw new RangeError(
        `delivery option ${key} must be ${mayBeZero ? "0 or more" : "positive"}, got ${value}`,
      );
    settings[key] = value;
  }
  return settings;
}

export function createDeliveryEngine(
  deps: DeliveryEngineDeps,
  options: DeliveryEngineOptions,
): DeliveryEngine {
  const { store, log, now } = deps;
  const settings = tuning(options);
  const attemptOptions: SendThreadData = {
    signatureHeaderStyle: options.signatureHeaderStyle,
    sender: {
      allowList: options.allowList,
      userAgent: options.userAgent,
      maxResponseBytes: settings.maxResponseBytes,
      // As many as may be in flight: a request never queues inside undici, where its timeout would not run yet.
      connectionsPerOrigin: settings.maxInFlight,
      maxOrigins: MAX_ORIGINS,
    },
  };
  const sendThreads = options.sendThreads ?? DEFAULT_SEND_THREADS;
  if (!Number.isInteger(sendThreads) || sendThreads < 0)
    throw new RangeError(`delivery option sendThreads must be 0 or more, got ${sendThreads}`);
  const transport: AttemptTransport =
    sendThreads === 0
      ? new LocalAttempts(attemptOptions)
      : new SendThreads({ threads: sendThreads, attempts: attemptOptions, log });
  const signingKeys = new SigningKeyCache({
    store,
    now,
    ttlMs: settings.signingKeyCacheMs,
    maxEntries: SIGNING_KEY_CACHE_ENTRIES,
  });
  const releaser = new LeaseReleaser(
    (releases, at) => store.releaseDeliveries(releases, at),
    now,
    log,
    (at) => dispatcher.noteDue(at),
  );
  const writer = new OutcomeWriter({
    store,
    now,
    log,
    maxBatchSize: settings.outcomeBatchSize,
    minWriteIntervalMs: settings.outcomeWriteIntervalMs,
    // A quarter of the in-flight cap, as the dispatcher's claim threshold: waiting outcomes never hold more of
    // the capacity than that because of the interval.
    eagerBatchSize: Math.max(1, Math.floor(settings.maxInFlight / 4)),
    onWritten(outcomes) {
      dispatcher.settle(outcomes.length);
      for (const outcome of outcomes)
        if (outcome.nextAttemptAt !== null) dispatcher.noteDue(outcome.nextAttemptAt);
    },
  });
  const lanes = new EndpointLanes({
    perEndpointConcurrency: settings.perEndpointConcurrency,
    maxLaneWaitMs: settings.maxLaneWaitMs,
    leaseMarginMs: settings.leaseMarginMs,
    now,
    send: attempt,
    release,
  });
  const dispatcher = new Dispatcher(
    {
      store,
      now,
      log,
      onClaimed(claimed: readonly ClaimedDelivery[]) {
        for (const item of claimed) {
          const job = { claimed: item, leaseUntil: item.delivery.leaseUntil ?? now() };
          try {
            lanes.enqueue(job);
          } catch (error) {
            log.error(
              { err: error, deliveryId: item.delivery.id },
              "delivery: queueing a claimed delivery failed",
            );
            release(job, now() + UNEXPECTED_FAILURE_RETRY_MS);
          }
        }
      },
    },
    {
      maxInFlight: settings.maxInFlight,
      claimBatchSize: settings.claimBatchSize,
      idlePollMs: settings.idlePollMs,
      // Room for the longest wait in a lane (plus one sweep), the send, and writing the outcome.
      leaseMs: settings.maxLaneWaitMs * 1.25 + MAX_SEND_MS + settings.leaseMarginMs,
      leaseBeyondTimeoutMs: settings.maxLaneWaitMs * 1.25 + settings.leaseMarginMs,
    },
  );

  let attempts = 0;
  let attemptsIdle: (() => void)[] = [];

  function release(job: Job, nextAttemptAt: EpochMs): void {
    releaser.submit({ deliveryId: job.claimed.delivery.id, leaseUntil: job.leaseUntil, nextAttemptAt });
    dispatcher.settle(1);
  }

  /** One attempt of one delivery; never rejects (an unexpected error gives the lease back). */
  async function attempt(job: Job, timeoutMs: number): Promise<void> {
    attempts++;
    const { claimed } = job;
    try {
      const startedAt = now();
      let signing = signingKeys.peek(claimed.endpoint);
      if (!signing) {
        try {
          signing = await signingKeys.load(claimed.endpoint);
        } catch (error) {
          log.error(
            { err: error, endpointId: claimed.endpoint.id },
            "delivery: reading an endpoint's signing keys failed",
          );
          release(job, now() + SECRETS_RETRY_MS);
          return;
        }
      }
      const { result, requestHeaders } = await transport.attempt({
        message: claimed.message,
        endpoint: claimed.endpoint,
        signing,
        timestampSeconds: Math.floor(startedAt / 1000),
        timeoutMs,
      });
      const outcome = buildOutcome({
        claimed,
        result,
        startedAt,
        finishedAt: now(),
        defaultSchedule: options.defaultRetrySchedule,
        random: deps.random,
        requestHeaders,
      });
      if (outcome.disableEndpoint) lanes.markGone(claimed.endpoint.id);
      writer.submit(outcome);
    } catch (error) {
      log.error({ err: error, deliveryId: claimed.delivery.id }, "delivery: an attempt failed unexpectedly");
      release(job, now() + UNEXPECTED_FAILURE_RETRY_MS);
    } finally {
      attempts--;
      if (attempts === 0) {
        const waiters = attemptsIdle;
        attemptsIdle = [];
        for (const wake of waiters) wake();
      }
    }
  }

  /** True once no attempt is running, false if `timeoutMs` passes first. */
  function attemptsFinished(timeoutMs: number): Promise<boolean> {
    if (attempts === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        attemptsIdle = attemptsIdle.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      attemptsIdle.push(done);
    });
  }

  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  let unsubscribe: (() => Promise<void>) | null = null;

  async function run(): Promise<void> {
    const listen = queueListenerOf(store);
    if (listen) {
      try {
        unsubscribe = await listen(() => dispatcher.wake());
      } catch (error) {
        log.warn({ err: error }, "delivery: cross-process wake-ups unavailable; relying on the idle poll");
      }
    }
    await transport.ready();
    if (stopping) return;
    dispatcher.start();
    log.info({ ...settings, sendThreads }, "delivery engine started");
  }

  async function shutdown(): Promise<void> {
    if (starting) await starting.catch(() => undefined);
    // Close the lanes first, so that a claim still in progress gives its deliveries straight back.
    const released = lanes.releaseAll();
    await dispatcher.stop();
    if (!(await attemptsFinished(settings.drainTimeoutMs))) {
      log.warn(
        { sends: lanes.active },
        "delivery: sends still running at the end of the drain; interrupting them",
      );
      transport.abortInFlight();
      await attemptsFinished(INTERRUPT_GRACE_MS);
    }
    const written = await writer.drain(settings.drainTimeoutMs);
    await releaser.drain();
    if (unsubscribe)
      await unsubscribe().catch((error: unknown) => log.warn({ err: error }, "delivery: unlisten failed"));
    await transport.close();
    log.info({ released, outcomesWritten: written }, "delivery engine stopped");
  }

  return {
    start() {
      if (stopping) return Promise.reject(new Error("the delivery engine has been stopped"));
      starting ??= run();
      return starting;
    },
    wake() {
      dispatcher.wake();
    },
    offerLeases() {
      return dispatcher.offerLeases();
    },
    stop() {
      stopping ??= shutdown();
      return stopping;
    },
    stats() {
      return {
        held: dispatcher.heldCount,
        sending: lanes.active,
        waiting: lanes.waiting,
        unwrittenOutcomes: writer.pending,
      };
    },
  };
}
