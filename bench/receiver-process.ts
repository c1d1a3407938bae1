/**
 * The bench's webhook receiver, run as a child process (see child.ts): node:http on 127.0.0.1:0, answering
 * 200 with an empty body once a request's body has arrived. It keeps the ledger the scenarios check — every
 * (path, message id) pair it got and how many times — and, for payloads that carry `"scheduledAt":<epoch ms>`,
 * when each was scheduled and when it arrived (stamped on the shared clock, clock.ts).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serveParent } from "./child.js";
import { epochMs, processCpuMs } from "./clock.js";

export interface ReceiverLedger {
  /** Requests answered. */
  received: number;
  /** Distinct (path, message id) pairs among them. */
  distinct: number;
  /** Requests without a `webhook-id` / `svix-id` header. */
  withoutId: number;
  byPath: Record<string, { received: number; distinct: number }>;
  /** CPU time of the receiver process so far. */
  cpuMs: number;
}

const SCHEDULED_AT = /"scheduledAt":(\d+(?:\.\d+)?)/;

const seen = new Set<string>();
const byPath = new Map<string, { received: number; distinct: number }>();
let received = 0;
let withoutId = 0;
const scheduledAt: number[] = [];
const receivedAt: number[] = [];

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const at = epochMs();
    received++;
    const path = request.url ?? "";
    let counts = byPath.get(path);
    if (!counts) byPath.set(path, (counts = { received: 0, distinct: 0 }));
    counts.received++;
    const id = request.headers["webhook-id"] ?? request.headers["svix-id"];
    if (typeof id === "string") {
      const key = `${path} ${id}`;
      if (!seen.has(key)) {
        seen.add(key);
        counts.distinct++;
      }
    } else {
      withoutId++;
    }
    const scheduled = SCHEDULED_AT.exec(Buffer.concat(chunks).toString("latin1"));
    if (scheduled?.[1]) {
      scheduledAt.push(Number(scheduled[1]));
      receivedAt.push(at);
    }
    response.writeHead(200, { "content-length": "0" }).end();
  });
});

function ledger(): ReceiverLedger {
  return {
    received,
    distinct: seen.size,
    withoutId,
    byPath: Object.fromEntries(byPath),
    cpuMs: processCpuMs(),
  };
}

server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  serveParent(
    (message) => {
      switch (message.type) {
        case "clock":
          return { at: epochMs() };
        case "ledger":
          return { ledger: ledger() };
        case "samples":
          return { scheduledAt: Float64Array.from(scheduledAt), receivedAt: Float64Array.from(receivedAt) };
        default:
          throw new Error(`receiver: unknown request ${message.type}`);
      }
    },
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  process.send?.({ type: "ready", url: `http://127.0.0.1:${port}` });
});
