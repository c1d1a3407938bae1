/**
 * A send thread's entry point (started by send-threads.ts): one `Sender` — its connection pools, SSRF guard,
 * deadlines and response cap — fed with batches of sends, answering with batches of results. Results settled
 * in the same turn of this thread's event loop go back as one message, posted from `setImmediate`, after every
 * socket that was ready in that turn has been read.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { FromSendThread, SendThreadData, ToSendThread } from "./send-thread-protocol.js";
import { Sender, type SendResult } from "./sender.js";

const port = parentPort;
if (!port) throw new Error("send-thread.ts runs as a worker thread, started by send-threads.ts");

const { sender: senderOptions } = workerData as SendThreadData;
const sender = new Sender(senderOptions);

let ids: number[] = [];
let results: SendResult[] = [];
let flushScheduled = false;

function post(message: FromSendThread): void {
  port!.postMessage(message);
}

function flush(): void {
  flushScheduled = false;
  if (ids.length === 0) return;
  post({ kind: "results", ids, results });
  ids = [];
  results = [];
}

function report(id: number, result: SendResult): void {
  ids.push(id);
  results.push(result);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function failed(error: unknown): SendResult {
  const text = error instanceof Error ? error.message : String(error);
  return { statusCode: 0, responseBody: text, durationMs: 0, errorKind: "other", retryAfter: null };
}

port.on("message", (message: ToSendThread) => {
  switch (message.kind) {
    case "send":
      for (const { id, request } of message.sends) {
        sender.send(request).then(
          (result) => report(id, result),
          (error: unknown) => report(id, failed(error)),
        );
      }
      return;
    case "abort":
      sender.abortInFlight();
      return;
    case "close":
      void sender.close().finally(() => {
        flush();
        post({ kind: "closed" });
        port.close();
      });
      return;
  }
});

post({ kind: "ready" });
