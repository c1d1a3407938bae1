/**
 * The messages between the engine's thread and a send thread (send-threads.ts ↔ send-thread.ts). Sends and
 * results travel in batches — everything queued in one turn of the sending side's event loop is one
 * `postMessage` — because a message costs a few microseconds however small it is.
 */
import type { OutboundRequest, SendResult, SenderOptions } from "./sender.js";

/** The thread's `workerData`: its `Sender`'s options (the allow-list's BlockList is cloneable). */
export interface SendThreadData {
  sender: SenderOptions;
}

export interface QueuedSend {
  /** Unique per send thread; its result comes back with it. */
  id: number;
  request: OutboundRequest;
}

export type ToSendThread =
  | { kind: "send"; sends: QueuedSend[] }
  /** Cut every exchange in progress: a shutdown that cannot wait any longer. */
  | { kind: "abort" }
  /** Close the connection pools, report what is left, and end the thread. */
  | { kind: "close" };

export type FromSendThread =
  | { kind: "ready" }
  /** `results[i]` is the result of the send `ids[i]`. */
  | { kind: "results"; ids: number[]; results: SendResult[] }
  | { kind: "closed" };
