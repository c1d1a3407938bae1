/**
 * A send thread's entry point (started by send-threads.ts): one `LocalAttempts` — request building and
 * signing, and the `Sender` with its connection pools, SSRF guard, deadlines and response cap — fed with
 * batches of attempts, answering with batches of results. Results settled in the same turn of this thread's
 * event loop go back as one message, posted from `setImmediate`, after every socket that was ready in that
 * turn has been read.
 */
import { parentPort, workerData } from "node:worker_threads";
import { LocalAttempts, unsentExchange, type AttemptExchange } from "./attempts.js";
import type {
  EndpointProfile,
  FromSendThread,
  SendThreadData,
  ToSendThread,
} from "./send-thread-protocol.js";

const port = parentPort;
if (!port) throw new Error("send-thread.ts runs as a worker thread, started by send-threads.ts");

const attempts = new LocalAttempts(workerData as SendThreadData);
/** Endpoint profiles by the number the engine gave them (send-thread-protocol.ts). */
const profiles = new Map<number, EndpointProfile>();

let ids: number[] = [];
let exchanges: AttemptExchange[] = [];
let flushScheduled = false;

function post(message: FromSendThread): void {
  port!.postMessage(message);
}

function flush(): void {
  flushScheduled = false;
  if (ids.length === 0) return;
  post({ kind: "results", ids, exchanges });
  ids = [];
  exchanges = [];
}

function report(id: number, exchange: AttemptExchange): void {
  ids.push(id);
  exchanges.push(exchange);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

port.on("message", (message: ToSendThread) => {
  switch (message.kind) {
    case "attempts":
      for (const queued of message.attempts) {
        if (queued.profile) profiles.set(queued.profileId, queued.profile);
        const profile = profiles.get(queued.profileId);
        if (!profile) {
          report(queued.id, unsentExchange("the send thread does not know this endpoint"));
          continue;
        }
        const { id, message: attemptMessage, timestampSeconds, timeoutMs } = queued;
        const request = { message: attemptMessage, ...profile, timestampSeconds, timeoutMs };
        attempts.attempt(request).then(
          (exchange) => report(id, exchange),
          (error: unknown) =>
            report(id, unsentExchange(error instanceof Error ? error.message : String(error))),
        );
      }
      // After the batch's attempts, which may still use a number replaced later in the same batch: each took
      // its material when it started, above.
      for (const forgotten of message.forget) profiles.delete(forgotten);
      return;
    case "abort":
      attempts.abortInFlight();
      return;
    case "close":
      void attempts.close().finally(() => {
        flush();
        post({ kind: "closed" });
        port.close();
      });
      return;
  }
});

post({ kind: "ready" });
