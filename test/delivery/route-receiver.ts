/**
 * A `node:http` receiver on 127.0.0.1 for the sender's tests, started before a file's tests and stopped after
 * them: each request is recorded, and answered by the handler registered for its path (200 "ok" otherwise).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";

export type RouteHandler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The client's port: which connection the request came on. */
  port: number;
}

export interface RouteReceiver {
  /** `http://127.0.0.1:<port>`, once the file's tests run. */
  readonly base: string;
  readonly received: ReceivedRequest[];
  readonly routes: Map<string, RouteHandler>;
}

export function useRouteReceiver(): RouteReceiver {
  let server: Server | undefined;
  let base = "";
  const received: ReceivedRequest[] = [];
  const routes = new Map<string, RouteHandler>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        received.push({ path: req.url ?? "", headers: req.headers, body, port: req.socket.remotePort ?? 0 });
        const handler = routes.get(req.url ?? "") ?? ((_q, _b, r) => r.writeHead(200).end("ok"));
        handler(req, body, res);
      });
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    const listening = server;
    if (!listening) return;
    listening.closeAllConnections();
    await new Promise<void>((resolve) => listening.close(() => resolve()));
  });

  return {
    get base() {
      return base;
    },
    received,
    routes,
  };
}
