/**
 * App-scoped portal tokens (DESIGN §6): a JWT (HS256) that lets one tenant's portal call the API for its own
 * application, until it expires.
 *
 * Claims: `iss` "herald", `aud` "herald-portal", `sub` the application's real id, `iat`, `exp`, `jti` (a random
 * id, for a future revocation list), `ro: true` for a read-only portal, `sid` when the issuer named a session.
 * The UI reads the payload without verifying it (to learn the app id and expiry); the API verifies everything.
 *
 * The signing key is derived from the encryption key with HKDF, so every process sharing
 * `HERALD_ENCRYPTION_KEY` accepts the tokens of every other, and no new secret has to be configured or stored.
 * A distinct `info` keeps this key unrelated to the one that encrypts endpoint secrets.
 *
 * Pure apart from the clock, which is passed in: the same key, request and time give a verifiable token, and
 * anything that is not exactly such a token verifies to null.
 */
import { hkdfSync, randomBytes, webcrypto } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { isIdOf, type ApplicationId } from "./ids.js";
import type { EpochMs } from "./types.js";

export const PORTAL_TOKEN_ISSUER = "herald";
export const PORTAL_TOKEN_AUDIENCE = "herald-portal";
const KEY_DERIVATION_INFO = "herald portal tokens v1";
const ALGORITHM = "HS256";

/** What a valid portal token grants. */
export interface PortalGrant {
  appId: ApplicationId;
  readOnly: boolean;
  /** The first instant at which the token is no longer accepted. */
  expiresAt: EpochMs;
  /** The token's `jti`. */
  tokenId: string;
  /** The caller's `sessionId`, if it gave one. */
  sessionId: string | null;
}

export interface PortalTokenRequest {
  appId: ApplicationId;
  readOnly: boolean;
  /** At least 1. */
  lifetimeSeconds: number;
  sessionId: string | null;
}

/** The 32-byte HMAC key for portal tokens, derived from Herald's encryption key (HKDF-SHA256, empty salt). */
export function derivePortalTokenKey(encryptionKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", encryptionKey, new Uint8Array(0), KEY_DERIVATION_INFO, 32));
}

export interface PortalTokenSigner {
  sign(request: PortalTokenRequest, now: EpochMs): Promise<{ token: string; grant: PortalGrant }>;
  /** The grant of a token this key signed and that is valid at `now`; null for anything else. */
  verify(token: string, now: EpochMs): Promise<PortalGrant | null>;
}

/**
 * A signer/verifier for one key. The key is imported into WebCrypto once: jose would otherwise import a raw key
 * on every call, which doubles the cost of a verification (~130 µs → ~70 µs measured).
 */
export function portalTokenSigner(rawKey: Uint8Array): PortalTokenSigner {
  let imported: Promise<webcrypto.CryptoKey> | null = null;
  const key = (): Promise<webcrypto.CryptoKey> =>
    (imported ??= webcrypto.subtle.importKey("raw", rawKey, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]));

  return {
    async sign(request, now) {
      if (!Number.isInteger(request.lifetimeSeconds) || request.lifetimeSeconds < 1) {
        throw new RangeError("a portal token lives at least one second");
      }
      const issuedAt = Math.floor(now / 1000);
      // Rounded up, so that the token lives at least the lifetime asked for (JWT times are whole seconds).
      const expiresAt = Math.ceil(now / 1000 + request.lifetimeSeconds);
      const tokenId = randomBytes(16).toString("base64url");
      const claims: Record<string, unknown> = {};
      if (request.readOnly) claims["ro"] = true;
      if (request.sessionId !== null) claims["sid"] = request.sessionId;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
        .setIssuer(PORTAL_TOKEN_ISSUER)
        .setAudience(PORTAL_TOKEN_AUDIENCE)
        .setSubject(request.appId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(tokenId)
        .sign(await key());
      return {
        token,
        grant: {
          appId: request.appId,
          readOnly: request.readOnly,
          expiresAt: expiresAt * 1000,
          tokenId,
          sessionId: request.sessionId,
        },
      };
    },

    async verify(token, now) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, await key(), {
          algorithms: [ALGORITHM],
          issuer: PORTAL_TOKEN_ISSUER,
          audience: PORTAL_TOKEN_AUDIENCE,
          requiredClaims: ["sub", "exp", "iat", "jti"],
          currentDate: new Date(now),
        }));
      } catch (error) {
        // Malformed, tampered, foreign, expired: all the same to the caller. Anything else is a bug.
        if (error instanceof errors.JOSEError) return null;
        throw error;
      }
      const { sub, exp, jti, ro, sid } = payload;
      if (typeof sub !== "string" || !isIdOf("application", sub)) return null;
      if (typeof exp !== "number" || typeof jti !== "string") return null;
      if (ro !== undefined && typeof ro !== "boolean") return null;
      if (sid !== undefined && typeof sid !== "string") return null;
      return {
        appId: sub,
        readOnly: ro === true,
        expiresAt: exp * 1000,
        tokenId: jti,
        sessionId: sid ?? null,
      };
    },
  };
}
