/**
 * A webhook receiver that never answers, run as a child process (see child.ts): node:http on 127.0.0.1:0 reads
 * each request and leaves it open until the sender gives up (its timeout) or the receiver exits. It counts the
 * requests it got and how many it held at once, so the fairness scenario can show the hanging endpoint's lanes
 * were full.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serveParent } from "./child.js";
import { processCpuMs } from "./clock.js";

export interface HangingReceiverStats {
  /** Requests whose headers arrived. */
  received: number;
  /** Requests open right now, and the most open at once. */
  open: number;
  maxOpen: number;
  /** CPU time of this process so far. */
  cpuMs: number;
}

let received = 0;
let open = 0;
let maxOpen = 0;

const server = createServer((request) => {
  received++;
  open++;
  maxOpen = Math.max(maxOpen, open);
  // Drain the body so the socket's buffers do not fill; the answer never comes.
  request.resume();
  // The sender's timeout destroys the socket: that ends the request.
  request.socket.once("close", () => open--);
});

// Node's own timeouts would answer 408 or close the socket; the sender's timeout must be what ends each request.
server.requestTimeout = 0;
server.headersTimeout = 0;
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  serveParent(
    (message) => {
      switch (message.type) {
        case "stats": {
          const stats: HangingReceiverStats = { received, open, maxOpen, cpuMs: processCpuMs() };
          return { stats };
        }
        default:
          throw new Error(`hanging receiver: unknown request ${message.type}`);
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
