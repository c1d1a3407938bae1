/**
 * A real HTTP receiver on 127.0.0.1:0 that records every request it gets (method, url, headers, raw body), for
 * tests of what Herald sends. The optional handler decides each response; the default answers 200 "ok".
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `body` as UTF-8 text. */
  text: string;
  receivedAt: number;
}

export interface ReceiverResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Milliseconds to wait before answering (timeout tests). */
  delayMs?: number;
}

export type ReceiverHandler = (
  request: ReceivedRequest,
  index: number,
) => ReceiverResponse | undefined | Promise<ReceiverResponse | undefined>;

export interface Receiver {
  /** Base URL, e.g. `http://127.0.0.1:43127`; append any path. */
  url: string;
  /** Every request so far, in arrival order. */
  requests: ReceivedRequest[];
  /** Resolves with the requests once at least `count` arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(handler?: ReceiverHandler): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<{ count: number; resolve: () => void }>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const received: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        text: body.toString("utf8"),
        receivedAt: Date.now(),
      };
      const index = requests.push(received) - 1;
      for (const waiter of waiters) if (requests.length >= waiter.count) waiter.resolve();
      void (async () => {
        let response: ReceiverResponse | undefined;
        try {
          response = handler ? await handler(received, index) : undefined;
        } catch (error) {
          response = { status: 500, body: error instanceof Error ? error.message : "handler failed" };
        }
        if (response?.delayMs) await new Promise((resolve) => setTimeout(resolve, response?.delayMs));
        if (res.destroyed) return;
        res.writeHead(response?.status ?? 200, response?.headers ?? { "content-type": "text/plain" });
        res.end(response?.body ?? "ok");
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(requests);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`receiver: expected ${count} requests within ${timeoutMs} ms, got ${requests.length}`),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections from Herald's pools would hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Node's header object as the `Record<string, string>` that `Webhook.verify` takes. */
export function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string") record[name] = value;
    else if (Array.isArray(value)) record[name] = value.join(", ");
  }
  return record;
}
