/**
 * Attempts off the engine's thread (DESIGN §3). Each send thread (send-thread.ts) runs a `LocalAttempts`:
 * building and signing each request, undici's request writing and response parsing, the sockets' system calls
 * and the deadline sweep leave the thread that claims deliveries and writes their outcomes. The main thread
 * keeps what needs its state: the lanes, the signing-key cache and the outcomes. An endpoint's URL, headers,
 * scheme and keys cross once per version (send-thread-protocol.ts).
 *
 * Attempts queued in one turn of the event loop go to a thread as one message. An attempt goes to the thread
 * with the fewest in flight; each thread keeps its own connection pools.
 *
 * A thread that dies takes no delivery with it: its attempts in flight resolve as failed ("the send thread
 * stopped"), retried on their schedule like any network error, and a new thread replaces it at the next
 * attempt (at most one start per `RESTART_DELAY_MS`; attempts in between fail the same way). A thread's handle
 * is referenced only while it has attempts in flight, like a socket, so an idle Herald does not hold the
 * process open.
 */
import type { Logger } from "pino";
import type { Worker } from "node:worker_threads";
import { startModuleWorker } from "../lib/module-worker.js";
import { Slots } from "../lib/slots.js";
import type { EndpointId } from "../domain/ids.js";
import {
  unsentExchange,
  type AttemptEndpoint,
  type AttemptExchange,
  type AttemptRequest,
  type AttemptTransport,
} from "./attempts.js";
import type {
  EndpointProfile,
  FromSendThread,
  QueuedAttempt,
  SendThreadData,
  ToSendThread,
} from "./send-thread-protocol.js";

export interface SendThreadsOptions {
  /** Worker threads; at least 1. */
  threads: number;
  attempts: SendThreadData;
  log: Logger;
}

const SEND_THREAD_MODULE = new URL("./send-thread.js", import.meta.url);
const RESTART_DELAY_MS = 1_000;
/** How long `close()` waits for a thread to close its pools before terminating it. */
const CLOSE_TIMEOUT_MS = 5_000;
/** Endpoints whose profile a thread keeps; the least recently used is forgotten beyond this. */
const PROFILES_PER_THREAD = 10_000;

/** Whether two versions of an endpoint send alike: same URL, custom headers, payload format and signature scheme. */
function sameSendingFields(a: AttemptEndpoint, b: AttemptEndpoint): boolean {
  return (
    a.url === b.url &&
    a.payloadFormat === b.payloadFormat &&
    sameEntries(a.headers, b.headers) &&
    sameEntries(a.signature, b.signature)
  );
}

/** Same own keys with identical values (strings and other primitives); checked per attempt, so nothing allocated. */
function sameEntries(a: object, b: object): boolean {
  if (a === b) return true;
  const aRecord = a as Readonly<Record<string, unknown>>;
  const bRecord = b as Readonly<Record<string, unknown>>;
  let keys = 0;
  for (const key in aRecord) {
    if (!Object.hasOwn(bRecord, key) || aRecord[key] !== bRecord[key]) return false;
    keys++;
  }
  for (const key in bRecord) if (Object.hasOwn(bRecord, key)) keys--;
  return keys === 0;
}

class SendThread {
  private readonly worker: Worker;
  /** Each attempt's resolver, at the slot number the thread knows the attempt by. Not a Map: see lib/slots.ts. */
  private readonly waiting = new Slots<(exchange: AttemptExchange) => void>();
  private queued: QueuedAttempt[] = [];
  /** The profile this thread holds per endpoint, with the number it knows it by. */
  private readonly profiles = new Map<EndpointId, { profile: EndpointProfile; id: number }>();
  private forget: number[] = [];
  private nextProfileId = 0;
  private flushScheduled = false;
  private closed: (() => void) | null = null;
  /** Resolves on the thread's "ready", rejects if it fails before that. */
  readonly ready: Promise<void>;
  alive = true;

  constructor(data: SendThreadData, log: Logger, onExit: (thread: SendThread) => void) {
    this.worker = startModuleWorker(SEND_THREAD_MODULE, { workerData: data, name: "herald-send" });
    this.worker.unref();
    let becameReady: () => void = () => undefined;
    let failedToStart: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      becameReady = resolve;
      failedToStart = reject;
    });
    // Nobody may be waiting for `ready` (a thread started to replace another); its failure is logged below.
    this.ready.catch(() => undefined);
    this.worker.on("message", (message: FromSendThread) => {
      switch (message.kind) {
        case "ready":
          becameReady();
          return;
        case "results":
          this.settle(message.ids, message.exchanges);
          return;
        case "closed":
          this.closed?.();
          return;
      }
    });
    this.worker.on("error", (error) => {
      log.error({ err: error }, "delivery: a send thread failed");
      failedToStart(error);
    });
    this.worker.on("exit", (code) => {
      this.alive = false;
      failedToStart(new Error(`the send thread exited with code ${code} before it was ready`));
      this.closed?.();
      if (this.waiting.size > 0) {
        const stopped = unsentExchange("request interrupted: the send thread stopped");
        this.waiting.forEach((resolve, slot) => {
          this.waiting.take(slot);
          resolve(stopped);
        });
      }
      onExit(this);
    });
  }

  get inFlight(): number {
    return this.waiting.size;
  }

  attempt(request: AttemptRequest): Promise<AttemptExchange> {
    return new Promise((resolve) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.queued.push({
        id: this.waiting.add(resolve),
        message: { id: request.message.id, payload: request.message.payload },
        ...this.profileFor(request),
        timestampSeconds: request.timestampSeconds,
        timeoutMs: request.timeoutMs,
      });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  /**
   * The number the thread knows the attempt's endpoint profile by, with the profile itself when the thread does
   * not have it. A profile is reused while the endpoint's sending fields are the same and the signing material
   * is the same object (the key cache hands out one object per version), so any change to the endpoint or its
   * keys reaches the thread with its next attempt. Comparing the fields, not the endpoint object, matters: an
   * accept that leases its deliveries converts the endpoint rows afresh for every batch.
   */
  private profileFor(request: AttemptRequest): Pick<QueuedAttempt, "profileId" | "profile"> {
    const { endpoint, signing } = request;
    const held = this.profiles.get(endpoint.id);
    if (held) {
      // Most recently used last: the first entry is the one to forget when full.
      this.profiles.delete(endpoint.id);
      if (held.profile.signing === signing && sameSendingFields(held.profile.endpoint, endpoint)) {
        this.profiles.set(endpoint.id, held);
        return { profileId: held.id };
      }
      this.forget.push(held.id);
    }
    const profile: EndpointProfile = {
      endpoint: {
        id: endpoint.id,
        url: endpoint.url,
        headers: endpoint.headers,
        payloadFormat: endpoint.payloadFormat,
        signature: endpoint.signature,
      },
      signing,
    };
    const profileId = this.nextProfileId++;
    this.profiles.set(endpoint.id, { profile, id: profileId });
    if (this.profiles.size > PROFILES_PER_THREAD) {
      const [oldestEndpoint, oldest] = this.profiles.entries().next().value as [EndpointId, { id: number }];
      this.profiles.delete(oldestEndpoint);
      this.forget.push(oldest.id);
    }
    return { profileId, profile };
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queued.length === 0 || !this.alive) return;
    this.post({ kind: "attempts", attempts: this.queued, forget: this.forget });
    this.queued = [];
    this.forget = [];
  }

  private settle(ids: readonly number[], exchanges: readonly AttemptExchange[]): void {
    for (let i = 0; i < ids.length; i++) {
      this.waiting.take(ids[i]!)?.(exchanges[i]!);
    }
    if (this.waiting.size === 0) this.worker.unref();
  }

  abort(): void {
    if (this.alive) this.post({ kind: "abort" });
  }

  /** Closes the thread's pools and ends it; terminates it after `CLOSE_TIMEOUT_MS`. */
  async close(): Promise<void> {
    if (!this.alive) return;
    this.flush();
    const closed = new Promise<void>((resolve) => (this.closed = resolve));
    this.worker.ref();
    this.post({ kind: "close" });
    const timer = setTimeout(() => void this.worker.terminate(), CLOSE_TIMEOUT_MS);
    await closed;
    clearTimeout(timer);
  }

  private post(message: ToSendThread): void {
    this.worker.postMessage(message);
  }
}

export class SendThreads implements AttemptTransport {
  private readonly threads: SendThread[] = [];
  private readonly data: SendThreadData;
  private lastStartAt = 0;
  private closing = false;

  constructor(private readonly options: SendThreadsOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1)
      throw new RangeError(`send threads must be a positive integer, got ${options.threads}`);
    this.data = options.attempts;
    for (let i = 0; i < options.threads; i++) this.threads.push(this.startThread());
  }

  private startThread(): SendThread {
    this.lastStartAt = performance.now();
    return new SendThread(this.data, this.options.log, (exited) => {
      if (this.closing) return;
      this.options.log.warn("delivery: a send thread stopped; its sends in flight count as failed attempts");
      const index = this.threads.indexOf(exited);
      if (index >= 0) this.threads.splice(index, 1);
    });
  }

  async ready(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.ready));
  }

  attempt(request: AttemptRequest): Promise<AttemptExchange> {
    if (this.closing) return Promise.resolve(unsentExchange("request interrupted: Herald is shutting down"));
    if (
      this.threads.length < this.options.threads &&
      performance.now() - this.lastStartAt >= RESTART_DELAY_MS
    ) {
      this.threads.push(this.startThread());
    }
    let chosen: SendThread | undefined;
    for (const thread of this.threads) {
      if (thread.alive && (chosen === undefined || thread.inFlight < chosen.inFlight)) chosen = thread;
    }
    if (!chosen) return Promise.resolve(unsentExchange("request not sent: no send thread is running"));
    return chosen.attempt(request);
  }

  abortInFlight(): void {
    for (const thread of this.threads) thread.abort();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}
