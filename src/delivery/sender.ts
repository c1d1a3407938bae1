/**
 * Sends one webhook over HTTP/1.1 with keep-alive: one undici `Pool` per origin (DESIGN §3; `fetch` measured
 * ~8x slower). Redirects are not followed. The SSRF guard runs inside the pool's DNS lookup, so the address
 * checked is the address connected to — a host cannot resolve to a public address for the check and to a
 * private one for the connection.
 *
 * Each send is one `Pool.dispatch` with a small handler of our own (`Exchange`) rather than `Pool.request`:
 * `request` wraps every exchange in an async-hooks resource and a readable body stream, and an abort signal
 * needs an `AbortController` per send; together with a timer per send that measured about a quarter of the
 * engine's CPU per delivery. The handler keeps the first `maxResponseBytes` of the body and counts the rest.
 *
 * `timeoutMs` bounds the whole exchange — queueing for a connection, connecting, waiting for the headers and
 * reading the (capped) body — because the engine relies on a send never outliving its delivery's lease. One
 * shared sweep every `DEADLINE_SWEEP_MS`, running only while exchanges are in flight, ends those past their
 * deadline (so a timeout fires at most one sweep late, never early) instead of a timer per send; undici's own
 * headers and body timeouts bound each phase separately and its coarse timers fire late. `abortInFlight` cuts
 * every exchange still running, for a shutdown that cannot wait any longer.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Pool, type Dispatcher } from "undici";
import { isAddressBlocked, isHostAllowListed, type TargetAllowList } from "../domain/address-policy.js";
import type { NetworkErrorKind } from "../domain/types.js";
import { Slots } from "../lib/slots.js";

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  timeoutMs: number;
}

export interface SendResult {
  /** 0 when no HTTP response was received. */
  statusCode: number;
  /** The first `maxResponseBytes` of the response body, or the error text. */
  responseBody: string;
  /** From the start of the attempt until the response headers arrived (or the error). */
  durationMs: number;
  errorKind: NetworkErrorKind | null;
  retryAfter: string | null;
}

export interface SenderOptions {
  allowList: TargetAllowList;
  userAgent: string;
  maxResponseBytes: number;
  /** Keep-alive connections per origin. */
  connectionsPerOrigin: number;
  /** Origins with an open pool; the least recently used pool is closed beyond this. */
  maxOrigins: number;
}

class SsrfBlockedError extends Error {
  readonly code = "HERALD_SSRF_BLOCKED";
  constructor(host: string, address: string) {
    super(
      `requests to this address are blocked (${host} resolved to ${address}); see HERALD_ALLOWED_TARGETS`,
    );
  }
}

/** Why an exchange was cut short by Herald itself; undici rejects with the abort reason as it is. */
class AbortedExchangeError extends Error {
  constructor(readonly code: "HERALD_DEADLINE" | "HERALD_INTERRUPTED") {
    super(code === "HERALD_DEADLINE" ? "request timed out" : "request interrupted: Herald is shutting down");
  }
}

function guardedLookup(allowList: TargetAllowList): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, "", 0);
        return;
      }
      const allowed = isHostAllowListed(hostname, allowList);
      const usable = addresses.filter((a) => allowed || !isAddressBlocked(a.address, allowList));
      const chosen = usable[0];
      if (!chosen) {
        callback(new SsrfBlockedError(hostname, addresses[0]?.address ?? "nothing"), "", 0);
        return;
      }
      if (options.all) callback(null, usable as unknown as string, 0);
      else callback(null, chosen.address, chosen.family);
    });
  };
}

function classify(error: unknown): { kind: NetworkErrorKind; text: string } {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const text = error instanceof Error ? error.message : String(error);
  if (code === "HERALD_SSRF_BLOCKED") return { kind: "ssrf_blocked", text };
  if (code === "HERALD_DEADLINE") return { kind: "timeout", text };
  if (code === "HERALD_INTERRUPTED") return { kind: "other", text };
  if (
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT"
  ) {
    return { kind: "timeout", text: "request timed out" };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") return { kind: "dns", text };
  if (code === "ECONNREFUSED") return { kind: "refused", text };
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE" || code === "UND_ERR_CLOSED") {
    return { kind: "reset", text };
  }
  if (
    code.startsWith("ERR_TLS") ||
    code.startsWith("ERR_SSL") ||
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)
  ) {
    return { kind: "tls", text };
  }
  return { kind: "other", text: text || code || "error making request" };
}

/** How often the shared deadline sweep runs while exchanges are in flight: a timeout fires at most this late. */
const DEADLINE_SWEEP_MS = 20;
/** Response bytes read and discarded beyond `maxResponseBytes` before the connection is cut instead. */
const MAX_DISCARDED_BYTES = 1024 * 1024;

/**
 * One exchange's undici handler. It settles exactly once — on the response's end, an error, its deadline, or
 * an interruption — and whatever undici reports after that is ignored (an abort then only frees the
 * connection). A request still waiting in the pool's queue at its deadline is settled at once and aborted
 * when undici gets to it.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private statusCode = 0;
  private durationMs = 0;
  private retryAfter: string | null = null;
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private discarded = 0;
  private abortReason: Error | null = null;
  private settled = false;

  constructor(
    private readonly startedAt: number,
    readonly deadline: number,
    private readonly maxResponseBytes: number,
    private readonly done: (result: SendResult) => void,
  ) {}

  /** Settles now as failed by Herald itself, and cuts the exchange if undici has started it. */
  abort(reason: AbortedExchangeError): void {
    if (this.settled) return;
    this.fail(reason);
    this.abortReason = reason;
    if (this.controller && !this.controller.aborted) this.controller.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // 1xx informational responses precede the real one; undici does not report them, but be safe.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.durationMs = Math.round(performance.now() - this.startedAt);
    const retryAfter = headers["retry-after"];
    this.retryAfter = typeof retryAfter === "string" ? retryAfter : null;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    const room = this.maxResponseBytes - this.kept;
    if (room > 0) {
      const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(kept);
      this.kept += kept.length;
      this.discarded += chunk.length - kept.length;
    } else {
      this.discarded += chunk.length;
    }
    // A body far beyond what is kept: settle with what we have and cut the connection rather than read on.
    if (this.discarded > MAX_DISCARDED_BYTES) {
      this.succeed();
      controller.abort(new AbortedExchangeError("HERALD_INTERRUPTED"));
    }
  }

  onResponseEnd(): void {
    if (!this.settled) this.succeed();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (!this.settled) this.fail(error);
  }

  private succeed(): void {
    this.settle({
      statusCode: this.statusCode,
      responseBody: this.kept === 0 ? "" : Buffer.concat(this.chunks, this.kept).toString("utf8"),
      durationMs: this.durationMs,
      errorKind: null,
      retryAfter: this.retryAfter,
    });
  }

  private fail(error: unknown): void {
    const { kind, text } = classify(error);
    // A failure while reading the body after the status arrived still has a status: keep the attempt's timing.
    this.settle({
      statusCode: 0,
      responseBody: text,
      durationMs: this.durationMs || Math.round(performance.now() - this.startedAt),
      errorKind: kind,
      retryAfter: null,
    });
  }

  private settle(result: SendResult): void {
    this.settled = true;
    this.done(result);
  }
}

type Target =
  { kind: "ok"; url: URL; path: string } | { kind: "blocked"; message: string } | { kind: "invalid" };

/** Distinct endpoint URLs whose parsing is cached; the cache starts over beyond this. */
const MAX_CACHED_TARGETS = 10_000;

export class Sender {
  private readonly pools = new Map<string, Pool>();
  /** The last origin in `pools`' LRU order. */
  private newestOrigin: string | null = null;
  private readonly targets = new Map<string, Target>();
  /** Not a Set: see lib/slots.ts. */
  private readonly inFlight = new Slots<Exchange>();
  private deadlineSweep: NodeJS.Timeout | null = null;
  private readonly lookup: LookupFunction;

  constructor(private readonly options: SenderOptions) {
    this.lookup = guardedLookup(options.allowList);
  }

  /** The headers with the sender's `user-agent`; request-builder.ts already adds it, so usually as they are. */
  private withUserAgent(headers: Record<string, string>): Record<string, string> {
    const userAgent = this.options.userAgent;
    return headers["user-agent"] === userAgent ? headers : { ...headers, "user-agent": userAgent };
  }

  private poolFor(url: URL): Pool {
    const origin = url.origin;
    let pool = this.pools.get(origin);
    if (pool) {
      // Refresh its place in the LRU order, unless it is the most recent already (usually: no Map churn).
      if (origin !== this.newestOrigin) {
        this.pools.delete(origin);
        this.pools.set(origin, pool);
        this.newestOrigin = origin;
      }
      return pool;
    }
    pool = new Pool(origin, {
      connections: this.options.connectionsPerOrigin,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { lookup: this.lookup, timeout: 10_000 },
    });
    this.pools.set(origin, pool);
    this.newestOrigin = origin;
    if (this.pools.size > this.options.maxOrigins) {
      const [oldestOrigin, oldest] = this.pools.entries().next().value as [string, Pool];
      this.pools.delete(oldestOrigin);
      void oldest.close().catch(() => undefined);
    }
    return pool;
  }

  /**
   * The parsed form of an endpoint URL and the SSRF verdict for an IP-literal host, cached: both are the same
   * for every delivery to an endpoint, and parsing them per send measured ~10 µs of the main thread's time.
   */
  private target(rawUrl: string): Target {
    let target = this.targets.get(rawUrl);
    if (target) return target;
    try {
      const url = new URL(rawUrl);
      // IP literals never reach the DNS lookup, so they are checked here.
      const literal = url.hostname.replace(/^\[|\]$/g, "");
      const blocked = isIP(literal) !== 0 && isAddressBlocked(literal, this.options.allowList);
      target = blocked
        ? { kind: "blocked", message: new SsrfBlockedError(literal, literal).message }
        : { kind: "ok", url, path: url.pathname + url.search };
    } catch {
      target = { kind: "invalid" };
    }
    if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
    this.targets.set(rawUrl, target);
    return target;
  }

  send(request: OutboundRequest): Promise<SendResult> {
    const started = performance.now();
    const target = this.target(request.url);
    if (target.kind === "invalid") {
      return Promise.resolve({
        statusCode: 0,
        responseBody: "invalid URL",
        durationMs: 0,
        errorKind: "other",
        retryAfter: null,
      });
    }
    if (target.kind === "blocked") {
      return Promise.resolve({
        statusCode: 0,
        responseBody: target.message,
        durationMs: Math.round(performance.now() - started),
        errorKind: "ssrf_blocked",
        retryAfter: null,
      });
    }
    return new Promise((resolve) => {
      const exchange = new Exchange(
        started,
        started + request.timeoutMs,
        this.options.maxResponseBytes,
        (result) => {
          this.inFlight.take(slot);
          resolve(result);
        },
      );
      // Held before it is dispatched, so before it can settle.
      const slot = this.inFlight.add(exchange);
      this.ensureDeadlineSweep();
      try {
        this.poolFor(target.url).dispatch(
          {
            method: "POST",
            path: target.path,
            headers: this.withUserAgent(request.headers),
            body: request.body,
            headersTimeout: request.timeoutMs,
            bodyTimeout: request.timeoutMs,
          },
          exchange,
        );
      } catch (error) {
        // undici reports bad requests through the handler; anything thrown still settles this send.
        exchange.onResponseError(undefined, error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Exchanges in progress. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Cuts every exchange in progress; each `send` then resolves with errorKind `other` ("interrupted"). */
  abortInFlight(): void {
    this.inFlight.forEach((exchange) => exchange.abort(new AbortedExchangeError("HERALD_INTERRUPTED")));
  }

  private ensureDeadlineSweep(): void {
    if (this.deadlineSweep) return;
    this.deadlineSweep = setInterval(() => this.sweepDeadlines(), DEADLINE_SWEEP_MS);
    // The sockets of the exchanges keep the process alive; the sweep alone must not.
    this.deadlineSweep.unref();
  }

  /** Ends the exchanges past their deadline; stops itself once nothing is in flight. */
  private sweepDeadlines(): void {
    if (this.inFlight.size === 0) {
      if (this.deadlineSweep) clearInterval(this.deadlineSweep);
      this.deadlineSweep = null;
      return;
    }
    const now = performance.now();
    this.inFlight.forEach((exchange) => {
      if (exchange.deadline <= now) exchange.abort(new AbortedExchangeError("HERALD_DEADLINE"));
    });
  }

  async close(): Promise<void> {
    if (this.deadlineSweep) clearInterval(this.deadlineSweep);
    this.deadlineSweep = null;
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.newestOrigin = null;
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }
}
