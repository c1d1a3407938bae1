import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { parseAllowList } from "../../src/domain/address-policy.js";
import { Sender, type SenderOptions } from "../../src/delivery/sender.js";
import { useRouteReceiver } from "./route-receiver.js";

const rx = useRouteReceiver();
const { received, routes } = rx;

function sender(overrides: Partial<SenderOptions> = {}, allowed: string[] = ["127.0.0.1"]): Sender {
  return new Sender({
    allowList: parseAllowList(allowed).allowList,
    userAgent: "Herald/test",
    maxResponseBytes: 64,
    connectionsPerOrigin: 4,
    maxOrigins: 10,
    ...overrides,
  });
}

describe("Sender", () => {
  it("POSTs the exact body with the given headers and reports the status and body", async () => {
    routes.set("/ok", (_req, _body, res) => res.writeHead(201).end("created"));
    const s = sender();
    const result = await s.send({
      url: `${rx.base}/ok`,
      headers: { "content-type": "application/json", "x-custom": "1" },
      body: '{"a": 1}',
      timeoutMs: 2000,
    });
    await s.close();
    expect(result).toMatchObject({ statusCode: 201, responseBody: "created", errorKind: null });
    const last = received.at(-1);
    expect(last?.body).toBe('{"a": 1}');
    expect(last?.headers["x-custom"]).toBe("1");
    expect(last?.headers["user-agent"]).toBe("Herald/test");
  });

  it("reads an empty response and reuses the connection for the next send", async () => {
    routes.set("/empty", (_req, _body, res) => res.writeHead(200, { "content-length": "0" }).end());
    // One connection: the second send can only go out once the first response was fully consumed.
    const s = sender({ connectionsPerOrigin: 1 });
    const first = await s.send({ url: `${rx.base}/empty`, headers: {}, body: "{}", timeoutMs: 2000 });
    const second = await s.send({ url: `${rx.base}/empty`, headers: {}, body: "{}", timeoutMs: 2000 });
    await s.close();
    expect(first).toMatchObject({ statusCode: 200, responseBody: "", errorKind: null });
    expect(second).toMatchObject({ statusCode: 200, responseBody: "" });
    const [a, b] = received.slice(-2);
    expect(a?.port).toBe(b?.port);
  });

  it("caps the stored response body", async () => {
    routes.set("/big", (_req, _body, res) => res.writeHead(500).end("x".repeat(10_000)));
    const s = sender();
    const result = await s.send({ url: `${rx.base}/big`, headers: {}, body: "{}", timeoutMs: 2000 });
    await s.close();
    expect(result.statusCode).toBe(500);
    expect(result.responseBody).toBe("x".repeat(64));
  });

  it("does not follow redirects", async () => {
    routes.set("/redirect", (_req, _body, res) => res.writeHead(302, { location: `${rx.base}/ok` }).end());
    const s = sender();
    const before = received.length;
    const result = await s.send({ url: `${rx.base}/redirect`, headers: {}, body: "{}", timeoutMs: 2000 });
    await s.close();
    expect(result.statusCode).toBe(302);
    expect(received.length).toBe(before + 1);
  });

  it("reports Retry-After", async () => {
    routes.set("/busy", (_req, _body, res) => res.writeHead(429, { "retry-after": "7" }).end());
    const s = sender();
    const result = await s.send({ url: `${rx.base}/busy`, headers: {}, body: "{}", timeoutMs: 2000 });
    await s.close();
    expect(result).toMatchObject({ statusCode: 429, retryAfter: "7" });
  });

  it("times out a receiver that does not answer", async () => {
    routes.set("/hang", () => undefined);
    const s = sender();
    const result = await s.send({ url: `${rx.base}/hang`, headers: {}, body: "{}", timeoutMs: 200 });
    await s.close();
    expect(result).toMatchObject({ statusCode: 0, errorKind: "timeout" });
    expect(result.durationMs).toBeGreaterThanOrEqual(150);
  });

  it("bounds the whole exchange, including a body that trickles in", async () => {
    routes.set("/drip", (_req, _body, res) => {
      res.writeHead(200);
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write("x")), 50);
      res.on("close", () => clearInterval(drip));
    });
    const s = sender({ maxResponseBytes: 1_000_000 });
    const started = Date.now();
    const result = await s.send({ url: `${rx.base}/drip`, headers: {}, body: "{}", timeoutMs: 300 });
    await s.close();
    expect(result).toMatchObject({ statusCode: 0, errorKind: "timeout" });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("times out a send still queued behind a busy connection, at its own deadline", async () => {
    routes.set("/hold-queue", () => undefined);
    // One connection, held by the first send: the second waits in the pool's queue past its deadline.
    const s = sender({ connectionsPerOrigin: 1 });
    const holding = s.send({ url: `${rx.base}/hold-queue`, headers: {}, body: "{}", timeoutMs: 3_000 });
    const started = Date.now();
    const queued = await s.send({ url: `${rx.base}/hold-queue`, headers: {}, body: "{}", timeoutMs: 200 });
    const waitedMs = Date.now() - started;
    s.abortInFlight();
    await holding;
    await s.close();
    expect(queued).toMatchObject({ statusCode: 0, errorKind: "timeout" });
    expect(waitedMs).toBeGreaterThanOrEqual(190);
    expect(waitedMs).toBeLessThan(1_000);
  });

  it("interrupts exchanges in progress on abortInFlight()", async () => {
    routes.set("/hold", () => undefined);
    const s = sender();
    const pending = s.send({ url: `${rx.base}/hold`, headers: {}, body: "{}", timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.inFlightCount).toBe(1);
    s.abortInFlight();
    const result = await pending;
    await s.close();
    expect(result).toMatchObject({ statusCode: 0, errorKind: "other" });
    expect(result.responseBody).toMatch(/shutting down/);
    expect(s.inFlightCount).toBe(0);
  });

  it("classifies a refused connection", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const s = sender();
    const result = await s.send({
      url: `http://127.0.0.1:${port}/`,
      headers: {},
      body: "{}",
      timeoutMs: 2000,
    });
    await s.close();
    expect(result).toMatchObject({ statusCode: 0, errorKind: "refused" });
  });

  it("blocks loopback targets unless allow-listed, for IP literals and for names that resolve to them", async () => {
    const s = sender({}, []);
    const before = received.length;
    const literal = await s.send({ url: `${rx.base}/ok`, headers: {}, body: "{}", timeoutMs: 2000 });
    const named = await s.send({
      url: rx.base.replace("127.0.0.1", "localhost") + "/ok",
      headers: {},
      body: "{}",
      timeoutMs: 2000,
    });
    await s.close();
    expect(literal.errorKind).toBe("ssrf_blocked");
    expect(named.errorKind).toBe("ssrf_blocked");
    expect(received.length).toBe(before);
  });
});
