import { createHmac, createPrivateKey, sign as signWithKey, type KeyObject } from "node:crypto";
import type { DecodedSecret } from "./secrets.js";
import type { SignatureConfig } from "./types.js";

/**
 * Signature headers of an outgoing webhook (DESIGN §5, svix-api.md §9.2–9.3). Pure: key material, timestamp
 * and body come in, a header map goes out.
 *
 * `standard` — Standard Webhooks v1, what the `svix` SDK's and the `standardwebhooks` package's
 * `Webhook.verify` accept. The signed content is `"{msgId}.{timestampSeconds}.{body}"`; each live key adds
 * one space-separated entry: `v1,<base64 HMAC-SHA256>` for a symmetric key, `v1a,<base64 ed25519 signature>`
 * for an asymmetric one. Header names follow `HERALD_SIGNATURE_HEADERS`: `svix-*`, `webhook-*`, or both trios
 * (the default, so receivers written against either naming verify without configuration).
 *
 * `hmac` — one plain HMAC for platform-specific receivers (GitHub, Stripe-like and home-grown verifiers):
 * `<header>: <prefix><digest>` over the body, or over `"{timestampSeconds}.{body}"` when `signedContent` is
 * `timestamp.body`, in which case the timestamp also goes out in `x-signature-timestamp` (seconds, decimal),
 * because the receiver cannot recompute the digest without it. The key is the secret's UTF-8 bytes exactly as
 * the tenant set it. Such a header has room for one digest only, so only the current secret signs, also
 * during a rotation's grace period.
 *
 * `none` — no signature headers.
 *
 * Every header name in the returned map is lower-case (HTTP names are case-insensitive; one spelling lets the
 * engine merge the endpoint's custom headers without sending a name twice).
 *
 * Cost and caching: one HMAC costs ~2–3 µs and an ed25519 signature ~40 µs, so signing per delivery is cheap.
 * Turning a stored secret into key material is not (base64-decoding a `whsec_`, and above all importing an
 * ed25519 private key, ~400 µs): callers should cache the `SigningKey[]` of an endpoint, keyed by the
 * endpoint and its secrets' version, rather than parse secrets per delivery. Nothing here keeps state between
 * calls.
 */

export type SigningKey = { kind: "hmac"; key: Uint8Array } | { kind: "ed25519"; privateKey: KeyObject };

/**
 * Key material for signing from a decoded `whsec_` / `whsk_` secret (`decodeStandardSecret`). Importing the
 * ed25519 key is the expensive step that callers should cache (see above).
 */
export function toSigningKey(decoded: DecodedSecret): SigningKey {
  if (decoded.kind === "hmac") return { kind: "hmac", key: decoded.key };
  const privateKey = createPrivateKey({
    key: {
      kty: "OKP",
      crv: "Ed25519",
      d: decoded.seed.toString("base64url"),
      x: decoded.publicKey.toString("base64url"),
    },
    format: "jwk",
  });
  return { kind: "ed25519", privateKey };
}

/** Which names carry the Standard Webhooks trio (`HERALD_SIGNATURE_HEADERS`). */
export type SignatureHeaderStyle = "svix" | "webhook" | "both";

export const SIGNATURE_HEADER_STYLES: readonly SignatureHeaderStyle[] = ["svix", "webhook", "both"];
export const DEFAULT_SIGNATURE_HEADER_STYLE: SignatureHeaderStyle = "both";

/** Sent with `hmac` signatures over `timestamp.body`. */
export const HMAC_TIMESTAMP_HEADER = "x-signature-timestamp";

export type Body = Buffer | string;

/** The `webhook-signature` value: one entry per key, in the order given (callers put the current key first). */
export function standardSignature(
  msgId: string,
  timestampSeconds: number,
  body: Body,
  keys: readonly SigningKey[],
): string {
  if (keys.length === 0) throw new Error("standard signatures need at least one live key");
  assertWholeSeconds(timestampSeconds);
  const signedPrefix = `${msgId}.${timestampSeconds}.`;
  let signedBytes: Buffer | null = null; // built once, and only if an ed25519 key needs one contiguous buffer
  const entries: string[] = [];
  for (const signingKey of keys) {
    if (signingKey.kind === "hmac") {
      // Two updates instead of concatenating: the body is never copied.
      const digest = createHmac("sha256", signingKey.key).update(signedPrefix).update(body).digest("base64");
      entries.push(`v1,${digest}`);
    } else {
      signedBytes ??= Buffer.concat([
        Buffer.from(signedPrefix),
        typeof body === "string" ? Buffer.from(body) : body,
      ]);
      entries.push(`v1a,${signWithKey(null, signedBytes, signingKey.privateKey).toString("base64")}`);
    }
  }
  return entries.join(" ");
}

/** `hmac` scheme: `<prefix><digest>` of the body or of `"{timestampSeconds}.{body}"`. */
export function hmacSignature(
  config: Extract<SignatureConfig, { scheme: "hmac" }>,
  secret: string,
  timestampSeconds: number,
  body: Body,
): string {
  if (secret.length === 0) throw new Error("hmac signatures need a secret");
  assertWholeSeconds(timestampSeconds);
  const hmac = createHmac(config.algorithm, Buffer.from(secret, "utf8"));
  if (config.signedContent === "timestamp.body") hmac.update(`${timestampSeconds}.`);
  return config.prefix + hmac.update(body).digest(config.encoding);
}

// A fractional or millisecond timestamp would be signed as sent and then rejected by every verifier.
function assertWholeSeconds(timestampSeconds: number): void {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0 || timestampSeconds > 1e11) {
    throw new RangeError(`signature timestamps are whole Unix seconds, got ${timestampSeconds}`);
  }
}

export interface SignatureHeadersInput {
  config: SignatureConfig;
  headerStyle: SignatureHeaderStyle;
  msgId: string;
  /** Unix seconds at the start of this attempt. */
  timestampSeconds: number;
  /** Exactly the bytes that are sent. */
  body: Body;
  /** `standard`: every live key, current first. Ignored otherwise. */
  keys: readonly SigningKey[];
  /** `hmac`: the current secret as the tenant set it. Ignored otherwise. */
  hmacSecret?: string | undefined;
}

export function signatureHeaders(input: SignatureHeadersInput): Record<string, string> {
  const { config, timestampSeconds, body } = input;
  switch (config.scheme) {
    case "standard": {
      const id = input.msgId;
      const timestamp = String(timestampSeconds);
      const signature = standardSignature(id, timestampSeconds, body, input.keys);
      const headers: Record<string, string> = {};
      if (input.headerStyle !== "webhook") {
        headers["svix-id"] = id;
        headers["svix-timestamp"] = timestamp;
        headers["svix-signature"] = signature;
      }
      if (input.headerStyle !== "svix") {
        headers["webhook-id"] = id;
        headers["webhook-timestamp"] = timestamp;
        headers["webhook-signature"] = signature;
      }
      return headers;
    }
    case "hmac": {
      if (input.hmacSecret === undefined) throw new Error("hmac signatures need the endpoint's secret");
      const headers: Record<string, string> = {
        [config.header.toLowerCase()]: hmacSignature(config, input.hmacSecret, timestampSeconds, body),
      };
      if (config.signedContent === "timestamp.body")
        headers[HMAC_TIMESTAMP_HEADER] = String(timestampSeconds);
      return headers;
    }
    case "none":
      return {};
  }
}
