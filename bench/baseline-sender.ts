/**
 * The sending code of the baselines Herald is measured against — the `ceiling` scenario (this sender alone, no
 * storage) and the `bullmq` scenario (this sender inside BullMQ jobs) — so both do exactly the same work per
 * delivery: a Standard-Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
 * HMAC-SHA256 of "id.timestamp.body">`) computed per request, and a POST of a 1 KiB JSON body through one
 * undici `Pool` configured as Herald's sender configures its pools (src/delivery/sender.ts: HTTP/1.1 keep-alive,
 * no pipelining, as many connections as deliveries may be in flight).
 *
 * It is deliberately the least a sender can do: no per-request deadline timer (undici's own header and body
 * timeouts bound a stuck exchange), no response body kept, no SSRF check, nothing recorded.
 */
import { createHmac, randomBytes } from "node:crypto";
import { Pool } from "undici";
import { DELIVERY_ENGINE_DEFAULTS } from "../src/delivery/engine.js";

/** Herald's default bound on deliveries in flight (`deliveryMaxInFlight`), which the baselines share. */
export const BASELINE_MAX_IN_FLIGHT = DELIVERY_ENGINE_DEFAULTS.maxInFlight;

export const BASELINE_BODY_BYTES = 1024;

/** How long one exchange may take before undici gives up on it (Herald's attempts are bounded similarly). */
const EXCHANGE_TIMEOUT_MS = 30_000;

/** What one delivery sends: the receiver's ledger keys on `path` and `msgId`. */
export interface BaselineDelivery {
  path: string;
  msgId: string;
  body: string;
}

/** Receiver paths of the three bench endpoints, as createBenchApplication names them. */
export function endpointPath(endpointIndex: number): string {
  return `/hook/${endpointIndex + 1}`;
}

export function baselineMessageId(seq: number): string {
  return `msg_bench_${seq}`;
}

const BODY_HEAD = '{"type":"invoice.paid","data":{"invoice":{"id":"in_';
const BODY_MIDDLE = '","amount":4200,"currency":"eur","customer":"cus_8Kq2mD0x","padding":"';
const BODY_TAIL = '"}}}';
/** The sequence number is zero-padded to this width, so every body has the same length. */
const SEQ_DIGITS = 12;
const PADDING = "x".repeat(
  BASELINE_BODY_BYTES - BODY_HEAD.length - SEQ_DIGITS - BODY_MIDDLE.length - BODY_TAIL.length,
);

/** A JSON payload of exactly BASELINE_BODY_BYTES bytes (ASCII), different for each `seq`. */
export function baselineBody(seq: number): string {
  return BODY_HEAD + String(seq).padStart(SEQ_DIGITS, "0") + BODY_MIDDLE + PADDING + BODY_TAIL;
}

export class BaselineSender {
  private readonly pool: Pool;
  /** The HMAC key, as a `whsec_` secret decodes to (a fresh random one per sender: nobody verifies it here). */
  private readonly key: Buffer;

  constructor(origin: string, key: Buffer = randomBytes(32)) {
    this.key = key;
    this.pool = new Pool(origin, {
      connections: BASELINE_MAX_IN_FLIGHT,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: 10_000 },
    });
  }

  /** The `webhook-signature` value for one attempt: `v1,<base64 HMAC-SHA256 of "msgId.timestamp.body">`. */
  sign(msgId: string, timestampSeconds: number, body: string): string {
    // Two updates instead of one concatenated string, as Herald signs: the body is not copied.
    return `v1,${createHmac("sha256", this.key).update(`${msgId}.${timestampSeconds}.`).update(body).digest("base64")}`;
  }

  /** Signs and POSTs one delivery; resolves with the status code, rejects when no response arrived. */
  async send(delivery: BaselineDelivery): Promise<number> {
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await this.pool.request({
      method: "POST",
      path: delivery.path,
      headers: {
        "content-type": "application/json",
        "user-agent": "herald-bench-baseline",
        "webhook-id": delivery.msgId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": this.sign(delivery.msgId, timestamp, delivery.body),
      },
      body: delivery.body,
      headersTimeout: EXCHANGE_TIMEOUT_MS,
      bodyTimeout: EXCHANGE_TIMEOUT_MS,
    });
    // Read the (empty) response to its end so that the connection goes back to the pool.
    await response.body.dump();
    return response.statusCode;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** Runs `task(0 … count-1)` with at most `maxInFlight` running at once, in index order. */
export async function runBounded(
  count: number,
  maxInFlight: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(maxInFlight, count) }, lane));
}
