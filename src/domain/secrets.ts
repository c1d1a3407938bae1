/**
 * Endpoint signing secrets: the formats a tenant may supply, the one Herald generates, and what GET …/secret shows.
 *
 * - `standard` (and `none`) endpoints keep a Standard Webhooks key: `whsec_` + base64 of 24–75 bytes (HMAC-SHA256
 *   key = the decoded bytes), or `whsk_` + base64 of an ed25519 seed and public key (64 bytes). Svix Cloud also
 *   accepts the base64 without a prefix; Herald stores it with `whsec_` added.
 * - `hmac` endpoints keep whatever secret the tenant's receiver already checks (GitHub, Stripe, …): 8–256
 *   printable characters, and the HMAC key is that text's UTF-8 bytes, unchanged.
 */
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import type { SignatureConfig } from "./types.js";

export const HMAC_SECRET_PREFIX = "whsec_";
export const ED25519_SECRET_PREFIX = "whsk_";
export const ED25519_PUBLIC_PREFIX = "whpk_";

const GENERATED_SECRET_BYTES = 24;
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 75;
const ED25519_KEYPAIR_BYTES = 64;
const PLAIN_SECRET = /^[\x20-\x7e]{8,256}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

// DER header of a PKCS#8 ed25519 private key; the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export type SecretResult = { key: string } | { problem: string };

export type DecodedSecret =
  { kind: "hmac"; key: Buffer } | { kind: "ed25519"; seed: Buffer; publicKey: Buffer };

/** `whsec_` + standard base64 of 24 random bytes (32 characters, no padding), as Svix generates. */
export function generateSecret(): string {
  return HMAC_SECRET_PREFIX + randomBytes(GENERATED_SECRET_BYTES).toString("base64");
}

/** Strict base64: decodes, and re-encodes to the same text (Buffer.from alone skips invalid characters). */
function decodeBase64(text: string): Buffer | null {
  if (!BASE64.test(text)) return null;
  const bytes = Buffer.from(text, "base64");
  const canonical = bytes.toString("base64");
  return canonical === text || canonical.replace(/=+$/, "") === text ? bytes : null;
}

function ed25519PublicKey(seed: Buffer): Buffer {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  return Buffer.from(jwk.x ?? "", "base64url");
}

/** The key material of a standard secret, or null when `key` is not one (e.g. an hmac endpoint's text). */
export function decodeStandardSecret(key: string): DecodedSecret | null {
  if (key.startsWith(ED25519_SECRET_PREFIX)) {
    const bytes = decodeBase64(key.slice(ED25519_SECRET_PREFIX.length));
    if (!bytes || bytes.length !== ED25519_KEYPAIR_BYTES) return null;
    const seed = bytes.subarray(0, 32);
    const publicKey = bytes.subarray(32);
    return ed25519PublicKey(seed).equals(publicKey) ? { kind: "ed25519", seed, publicKey } : null;
  }
  if (!key.startsWith(HMAC_SECRET_PREFIX)) return null;
  const bytes = decodeBase64(key.slice(HMAC_SECRET_PREFIX.length));
  if (!bytes || bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) return null;
  return { kind: "hmac", key: bytes };
}

/** Validates a tenant-supplied secret for an endpoint signing with `scheme`, and returns the key to store. */
export function parseSecret(raw: string, scheme: SignatureConfig["scheme"]): SecretResult {
  if (scheme === "hmac") {
    return PLAIN_SECRET.test(raw)
      ? { key: raw }
      : { problem: "Secret must be 8 to 256 printable ASCII characters" };
  }
  if (raw.startsWith(ED25519_SECRET_PREFIX)) {
    return decodeStandardSecret(raw)
      ? { key: raw }
      : { problem: "An ed25519 secret must be whsk_ followed by the base64 of a 64-byte key pair" };
  }
  const key = raw.startsWith(HMAC_SECRET_PREFIX) ? raw : HMAC_SECRET_PREFIX + raw;
  return decodeStandardSecret(key)
    ? { key }
    : {
        problem: `Secret must be whsec_ followed by the base64 of ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`,
      };
}

/** Whether an endpoint signing with `scheme` can use `key` as it is (after a scheme change it may not). */
export function secretFitsScheme(key: string, scheme: SignatureConfig["scheme"]): boolean {
  return scheme === "hmac" ? PLAIN_SECRET.test(key) : decodeStandardSecret(key) !== null;
}

/** What GET …/secret shows: the key itself, or for an ed25519 key pair only its public half (`whpk_`). */
export function displayedSecret(key: string): string {
  const decoded = key.startsWith(ED25519_SECRET_PREFIX) ? decodeStandardSecret(key) : null;
  if (decoded?.kind === "ed25519") return ED25519_PUBLIC_PREFIX + decoded.publicKey.toString("base64");
  return key;
}
