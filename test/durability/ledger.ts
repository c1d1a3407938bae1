/**
 * The receiver side of the durability tests: an HTTP server on 127.0.0.1:0 that keeps a ledger of every
 * delivery it got, keyed by (message id, endpoint path), and answers 200 after a delay the test chooses (so
 * that deliveries are in flight when a process is killed). It checks each delivery's signature with the
 * endpoint's secret, as a real receiver would: a redelivery after a crash must still be signed correctly.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface LedgerReceiver {
  /** Base URL; endpoints append a path. */
  readonly url: string;
  /** Deliveries per `key(messageId, path)`. */
  readonly counts: ReadonlyMap<string, number>;
  /** Requests received so far, duplicates included. */
  readonly received: number;
  /** Requests received and not answered yet. */
  readonly inFlight: number;
  /** Keys of the requests received and not answered yet. */
  inFlightKeys(): string[];
  /** When each key was first received (ms since the epoch). */
  readonly firstReceivedAt: ReadonlyMap<string, number>;
  /** Requests without a `webhook-id`, to an unknown path, or with a signature that does not verify. */
  readonly problems: string[];
  /** How long the receiver waits before answering; may be changed at any time. */
  delayMs: () => number;
  /** The endpoint secret for a path, for signature checks; set when the endpoint is created. */
  setSecret(path: string, secret: string): void;
  close(): Promise<void>;
}

export function ledgerKey(messageId: string, path: string): string {
  return `${messageId} ${path}`;
}

/** Missing keys of `expected`, and duplicate deliveries (beyond the first) among them. */
export function compareLedger(
  counts: ReadonlyMap<string, number>,
  expected: Iterable<string>,
): { missing: string[]; duplicates: number; duplicatedKeys: number; expectedCount: number } {
  const missing: string[] = [];
  let duplicates = 0;
  let duplicatedKeys = 0;
  let expectedCount = 0;
  for (const key of expected) {
    expectedCount++;
    const count = counts.get(key) ?? 0;
    if (count === 0) missing.push(key);
    if (count > 1) {
      duplicates += count - 1;
      duplicatedKeys++;
    }
  }
  return { missing, duplicates, duplicatedKeys, expectedCount };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startLedgerReceiver(initialDelayMs: () => number): Promise<LedgerReceiver> {
  const counts = new Map<string, number>();
  const firstReceivedAt = new Map<string, number>();
  const verifiers = new Map<string, Webhook>();
  const pending = new Map<number, string>();
  const problems: string[] = [];
  let delayMs = initialDelayMs;
  let received = 0;
  let nextRequest = 0;

  function record(path: string, headers: IncomingHttpHeaders, body: string): string {
    const messageId = header(headers, "webhook-id");
    if (messageId === undefined) {
      problems.push(`a request to ${path} without webhook-id`);
      return path;
    }
    const key = ledgerKey(messageId, path);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!firstReceivedAt.has(key)) firstReceivedAt.set(key, Date.now());
    const verifier = verifiers.get(path);
    if (!verifier) {
      problems.push(`a request to unknown path ${path}`);
      return key;
    }
    try {
      verifier.verify(body, {
        "webhook-id": messageId,
        "webhook-timestamp": header(headers, "webhook-timestamp") ?? "",
        "webhook-signature": header(headers, "webhook-signature") ?? "",
      });
    } catch (error) {
      problems.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return key;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const key = record(req.url ?? "", req.headers, Buffer.concat(chunks).toString("utf8"));
      received++;
      const id = nextRequest++;
      pending.set(id, key);
      setTimeout(() => {
        pending.delete(id);
        if (res.destroyed) return;
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
      }, delayMs());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    firstReceivedAt,
    problems,
    get received() {
      return received;
    },
    get inFlight() {
      return pending.size;
    },
    inFlightKeys: () => [...pending.values()],
    get delayMs() {
      return delayMs;
    },
    set delayMs(next) {
      delayMs = next;
    },
    setSecret(path, secret) {
      verifiers.set(path, new Webhook(secret));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections from Herald's pools would hold close() open.
        server.closeAllConnections();
      }),
  };
}

/**
 * Waits until the ledger holds every expected key; resolves with when the last one arrived. Rejects after
 * `timeoutMs` listing what is missing: a loss.
 */
export async function waitForEveryDelivery(
  receiver: LedgerReceiver,
  expected: readonly string[],
  timeoutMs: number,
): Promise<{ lastArrivalAt: number }> {
  const deadline = Date.now() + timeoutMs;
  let missing = expected.filter((key) => !receiver.counts.has(key));
  while (missing.length > 0) {
    if (Date.now() > deadline) {
      throw new Error(
        `${missing.length} of ${expected.length} accepted deliveries never reached the receiver within ` +
          `${timeoutMs} ms, e.g.:\n  ${missing.slice(0, 20).join("\n  ")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    missing = missing.filter((key) => !receiver.counts.has(key));
  }
  let lastArrivalAt = 0;
  for (const key of expected) lastArrivalAt = Math.max(lastArrivalAt, receiver.firstReceivedAt.get(key) ?? 0);
  return { lastArrivalAt };
}
