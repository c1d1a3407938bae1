/**
 * The messages between the engine's thread and a send thread (send-threads.ts ↔ send-thread.ts). Attempts and
 * results travel in batches — everything queued in one turn of the sending side's event loop is one
 * `postMessage` — because a message costs a few microseconds however small it is.
 *
 * What an attempt needs of its endpoint — URL, custom headers, payload format, signature scheme and signing
 * material — crosses once per endpoint version, not with every attempt (cloning it per attempt measured three
 * times the cost of the attempt's own fields): the engine numbers each `EndpointProfile` it hands to a thread,
 * sends it with the first attempt that uses it, and tells the thread to `forget` a number once it is replaced
 * (the endpoint changed, its keys were refreshed) or evicted — after that batch's attempts, which may still use
 * it. Numbers are never reused, and messages arrive in order, so a number is always known when used.
 */
import type { AttemptEndpoint, AttemptExchange, AttemptMessage, LocalAttemptsOptions } from "./attempts.js";
import type { EndpointSigning } from "./signing-keys.js";

/** The thread's `workerData` (the allow-list's BlockList is cloneable). */
export type SendThreadData = LocalAttemptsOptions;

export interface EndpointProfile {
  endpoint: AttemptEndpoint;
  signing: EndpointSigning;
}

export interface QueuedAttempt {
  /** Unique among the thread's attempts in progress (reused once its result is back); comes back with it. */
  id: number;
  message: AttemptMessage;
  profileId: number;
  /** Present the first time `profileId` is used. */
  profile?: EndpointProfile;
  timestampSeconds: number;
  timeoutMs: number;
}

export type ToSendThread =
  | { kind: "attempts"; attempts: QueuedAttempt[]; forget: number[] }
  /** Cut every exchange in progress: a shutdown that cannot wait any longer. */
  | { kind: "abort" }
  /** Close the connection pools, report what is left, and end the thread. */
  | { kind: "close" };

export type FromSendThread =
  | { kind: "ready" }
  /** `exchanges[i]` is the result of the attempt `ids[i]`. */
  | { kind: "results"; ids: number[]; exchanges: AttemptExchange[] }
  | { kind: "closed" };
