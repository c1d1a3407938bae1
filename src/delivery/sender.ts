/**
 * Sends one webhook over HTTP/1.1 with keep-alive: one undici `Pool` per origin (DESIGN §3; `fetch` measured
 * ~8x slower). Redirects are not followed. The SSRF guard runs inside the pool's DNS lookup, so the address
 * checked is the address connected to — a host cannot resolve to a public address for the check and to a
 * private one for the connection.
 *
 * `timeoutMs` bounds the whole exchange — connecting, waiting for the headers and reading the (capped) body —
 * with one timer, because the engine relies on a send never outliving its delivery's lease; undici's own
 * headers and body timeouts bound each phase separately and its coarse timers fire late. `abortInFlight`
 * cuts every exchange still running, for a shutdown that cannot wait any longer.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Pool } from "undici";
import { isAddressBlocked, isHostAllowListed, type TargetAllowList } from "../domain/address-policy.js";
import type { NetworkErrorKind } from "../domain/types.js";

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

type Target =
  { kind: "ok"; url: URL; path: string } | { kind: "blocked"; message: string } | { kind: "invalid" };

/** Distinct endpoint URLs whose parsing is cached; the cache starts over beyond this. */
const MAX_CACHED_TARGETS = 10_000;

export class Sender {
  private readonly pools = new Map<string, Pool>();
  private readonly targets = new Map<string, Target>();
  private readonly inFlight = new Set<AbortController>();
  private readonly lookup: LookupFunction;

  constructor(private readonly options: SenderOptions) {
    this.lookup = guardedLookup(options.allowList);
  }

  private poolFor(url: URL): Pool {
    const origin = url.origin;
    let pool = this.pools.get(origin);
    if (pool) {
      // Refresh its place in the LRU order.
      this.pools.delete(origin);
      this.pools.set(origin, pool);
      return pool;
    }
    pool = new Pool(origin, {
      connections: this.options.connectionsPerOrigin,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { lookup: this.lookup, timeout: 10_000 },
    });
    this.pools.set(origin, pool);
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

  async send(request: OutboundRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const target = this.target(request.url);
    if (target.kind === "invalid") {
      return {
        statusCode: 0,
        responseBody: "invalid URL",
        durationMs: 0,
        errorKind: "other",
        retryAfter: null,
      };
    }
    if (target.kind === "blocked") {
      return {
        statusCode: 0,
        responseBody: target.message,
        durationMs: elapsed(),
        errorKind: "ssrf_blocked",
        retryAfter: null,
      };
    }
    let durationMs = 0;
    const controller = new AbortController();
    const deadline = setTimeout(
      () => controller.abort(new AbortedExchangeError("HERALD_DEADLINE")),
      request.timeoutMs,
    );
    this.inFlight.add(controller);
    try {
      const response = await this.poolFor(target.url).request({
        method: "POST",
        path: target.path,
        headers: { ...request.headers, "user-agent": this.options.userAgent },
        body: request.body,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
        signal: controller.signal,
      });
      durationMs = elapsed();
      // Most receivers answer with an empty body: skip the stream iteration then.
      const responseBody =
        response.headers["content-length"] === "0"
          ? await response.body.dump().then(() => "")
          : await readCapped(response.body, this.options.maxResponseBytes);
      const retryAfterHeader = response.headers["retry-after"];
      return {
        statusCode: response.statusCode,
        responseBody,
        durationMs,
        errorKind: null,
        retryAfter: typeof retryAfterHeader === "string" ? retryAfterHeader : null,
      };
    } catch (error) {
      const { kind, text } = classify(error);
      // A failure while reading the body after the status arrived still has a status: keep the attempt's timing.
      return {
        statusCode: 0,
        responseBody: text,
        durationMs: durationMs || elapsed(),
        errorKind: kind,
        retryAfter: null,
      };
    } finally {
      clearTimeout(deadline);
      this.inFlight.delete(controller);
    }
  }

  /** Exchanges in progress. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Cuts every exchange in progress; each `send` then resolves with errorKind `other` ("interrupted"). */
  abortInFlight(): void {
    for (const controller of this.inFlight) controller.abort(new AbortedExchangeError("HERALD_INTERRUPTED"));
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }
}

/** Reads up to `limit` bytes as UTF-8 and discards the rest without closing a reusable connection early. */
async function readCapped(
  body: AsyncIterable<Buffer> & { dump(options?: { limit: number }): Promise<void> },
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length >= limit) {
      chunks.push(chunk.subarray(0, limit - size));
      size = limit;
      await body.dump({ limit: 1024 * 1024 }).catch(() => undefined);
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks, size).toString("utf8");
}
