import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllowList } from "../../src/domain/address-policy.js";
import { SendThreads } from "../../src/delivery/send-threads.js";
import type { SenderOptions } from "../../src/delivery/sender.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let base: string;
const received: { path: string; headers: IncomingMessage["headers"]; body: string; port: number }[] = [];
const routes = new Map<string, Handler>();

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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const silent = pino({ level: "silent" });

function senderOptions(overrides: Partial<SenderOptions> = {}): SenderOptions {
  return {
    allowList: parseAllowList(["127.0.0.1"]).allowList,
    userAgent: "Herald/test",
    maxResponseBytes: 64,
    connectionsPerOrigin: 4,
    maxOrigins: 10,
    ...overrides,
  };
}

describe("SendThreads", () => {
  it("sends each request from a worker thread and returns each result to its own caller", async () => {
    routes.set("/echo", (_req, body, res) => res.writeHead(202).end(`got ${body}`));
    const threads = new SendThreads({ threads: 1, sender: senderOptions(), log: silent });
    await threads.ready();
    try {
      const bodies = Array.from({ length: 50 }, (_, i) => `{"n":${i}}`);
      const results = await Promise.all(
        bodies.map((body) =>
          threads.send({ url: `${base}/echo`, headers: { "x-n": body }, body, timeoutMs: 2000 }),
        ),
      );
      expect(results.map((r) => r.responseBody)).toEqual(bodies.map((b) => `got ${b}`));
      expect(results.every((r) => r.statusCode === 202 && r.errorKind === null)).toBe(true);
      const echoed = received.filter((r) => r.path === "/echo");
      expect(echoed).toHaveLength(50);
      for (const request of echoed) {
        expect(request.headers["x-n"]).toBe(request.body);
        expect(request.headers["user-agent"]).toBe("Herald/test");
      }
    } finally {
      await threads.close();
    }
  });

  it("spreads sends over its threads, each with its own connections", async () => {
    routes.set("/slow", (_req, _body, res) => setTimeout(() => res.writeHead(200).end("ok"), 30));
    // One connection per thread: two threads can only have two requests in flight on two sockets.
    const threads = new SendThreads({
      threads: 2,
      sender: senderOptions({ connectionsPerOrigin: 1 }),
      log: silent,
    });
    await threads.ready();
    try {
      const before = received.length;
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          threads.send({ url: `${base}/slow`, headers: {}, body: "x", timeoutMs: 5000 }),
        ),
      );
      expect(results.every((r) => r.statusCode === 200)).toBe(true);
      const ports = new Set(received.slice(before).map((r) => r.port));
      expect(ports.size).toBe(2);
    } finally {
      await threads.close();
    }
  });

  it("reports network errors, SSRF blocks and timeouts as results, never as rejections", async () => {
    routes.set("/hang", () => undefined);
    const threads = new SendThreads({ threads: 1, sender: senderOptions(), log: silent });
    await threads.ready();
    try {
      const [timedOut, blocked, invalid] = await Promise.all([
        threads.send({ url: `${base}/hang`, headers: {}, body: "x", timeoutMs: 200 }),
        threads.send({ url: "http://10.0.0.1/", headers: {}, body: "x", timeoutMs: 2000 }),
        threads.send({ url: "not a url", headers: {}, body: "x", timeoutMs: 2000 }),
      ]);
      expect(timedOut).toMatchObject({ statusCode: 0, errorKind: "timeout" });
      expect(blocked).toMatchObject({ statusCode: 0, errorKind: "ssrf_blocked" });
      expect(invalid).toMatchObject({ statusCode: 0, errorKind: "other", responseBody: "invalid URL" });
    } finally {
      await threads.close();
    }
  });

  it("interrupts sends in flight on abortInFlight, and answers sends after close without sending", async () => {
    routes.set("/hang-abort", () => undefined);
    const threads = new SendThreads({ threads: 1, sender: senderOptions(), log: silent });
    await threads.ready();
    const hanging = threads.send({ url: `${base}/hang-abort`, headers: {}, body: "x", timeoutMs: 30_000 });
    while (!received.some((r) => r.path === "/hang-abort")) await new Promise((r) => setTimeout(r, 10));
    threads.abortInFlight();
    expect(await hanging).toMatchObject({ statusCode: 0, errorKind: "other" });
    expect((await hanging).responseBody).toMatch(/interrupted/);
    await threads.close();
    const before = received.length;
    const late = await threads.send({ url: `${base}/echo`, headers: {}, body: "x", timeoutMs: 2000 });
    expect(late).toMatchObject({ statusCode: 0, errorKind: "other" });
    expect(received.length).toBe(before);
  });

  it("does not keep an idle process alive, though its connections stay open", async () => {
    // A child that sends once and never closes: it must still exit once the send is done, as it would with
    // undici's kept-alive (unreferenced) sockets on the main thread.
    const repository = join(import.meta.dirname, "../..");
    const script = `
      const { SendThreads } = await import(${JSON.stringify(join(repository, "src/delivery/send-threads.ts"))});
      const { parseAllowList } = await import(${JSON.stringify(join(repository, "src/domain/address-policy.ts"))});
      const { default: pino } = await import("pino");
      const threads = new SendThreads({ threads: 1, log: pino({ level: "silent" }), sender: {
        allowList: parseAllowList(["127.0.0.1"]).allowList, userAgent: "Herald/test", maxResponseBytes: 64,
        connectionsPerOrigin: 1, maxOrigins: 1 } });
      await threads.ready();
      const result = await threads.send({ url: ${JSON.stringify(`${base}/echo`)}, headers: {}, body: "idle", timeoutMs: 2000 });
      console.log(JSON.stringify(result));
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: repository,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the child did not exit by itself: ${stdout} ${stderr}`));
      }, 15_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ statusCode: 202, responseBody: "got idle" });
  });
});
