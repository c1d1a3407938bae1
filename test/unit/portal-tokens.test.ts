import { createHmac } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import {
  derivePortalTokenKey,
  PORTAL_TOKEN_AUDIENCE,
  PORTAL_TOKEN_ISSUER,
  portalTokenSigner,
  type PortalTokenRequest,
} from "../../src/domain/portal-tokens.js";

const ENCRYPTION_KEY = Buffer.alloc(32, 7);
const KEY = derivePortalTokenKey(ENCRYPTION_KEY);
const NOW = Date.UTC(2025, 1, 16, 21, 38, 21, 977);
const appId = newId("application", NOW);

function request(overrides: Partial<PortalTokenRequest> = {}): PortalTokenRequest {
  return { appId, readOnly: false, lifetimeSeconds: 3600, sessionId: null, ...overrides };
}

/** The claims as the UI reads them: base64url JSON, unverified. */
function payloadOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

function replacePayload(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".");
  const claims = { ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")), ...changes };
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
}

describe("derivePortalTokenKey", () => {
  it("is HKDF-SHA256 of the encryption key: 32 bytes, the same for the same key, unrelated to the key itself", () => {
    expect(KEY).toHaveLength(32);
    expect(Buffer.from(derivePortalTokenKey(Buffer.alloc(32, 7)))).toEqual(Buffer.from(KEY));
    expect(Buffer.from(derivePortalTokenKey(Buffer.alloc(32, 8)))).not.toEqual(Buffer.from(KEY));
    expect(Buffer.from(KEY)).not.toEqual(ENCRYPTION_KEY);
  });
});

describe("portal tokens", () => {
  const signer = portalTokenSigner(KEY);

  it("carry the documented claims and verify to the grant they were issued with", async () => {
    const { token, grant } = await signer.sign(request({ sessionId: "s-1" }), NOW);
    const claims = payloadOf(token);
    expect(claims).toEqual({
      iss: PORTAL_TOKEN_ISSUER,
      aud: PORTAL_TOKEN_AUDIENCE,
      sub: appId,
      iat: Math.floor(NOW / 1000),
      exp: Math.ceil(NOW / 1000 + 3600),
      jti: grant.tokenId,
      sid: "s-1",
    });
    expect(JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString())).toEqual({
      alg: "HS256",
      typ: "JWT",
    });
    expect(await signer.verify(token, NOW)).toEqual(grant);
    expect(grant).toEqual({
      appId,
      readOnly: false,
      expiresAt: Math.ceil(NOW / 1000 + 3600) * 1000,
      tokenId: grant.tokenId,
      sessionId: "s-1",
    });
  });

  it("mark a read-only grant with `ro: true` and give every token its own id", async () => {
    const first = await signer.sign(request({ readOnly: true }), NOW);
    const second = await signer.sign(request({ readOnly: true }), NOW);
    expect(payloadOf(first.token)["ro"]).toBe(true);
    expect(payloadOf((await signer.sign(request(), NOW)).token)).not.toHaveProperty("ro");
    expect((await signer.verify(first.token, NOW))?.readOnly).toBe(true);
    expect(first.grant.tokenId).not.toBe(second.grant.tokenId);
  });

  it("live at least the lifetime asked for, and not a second longer", async () => {
    const { token, grant } = await signer.sign(request({ lifetimeSeconds: 1 }), NOW);
    expect(grant.expiresAt).toBeGreaterThanOrEqual(NOW + 1000);
    expect(grant.expiresAt).toBeLessThan(NOW + 2000);
    expect(await signer.verify(token, NOW + 999)).not.toBeNull();
    expect(await signer.verify(token, grant.expiresAt - 1)).not.toBeNull();
    expect(await signer.verify(token, grant.expiresAt)).toBeNull();
    await expect(signer.sign(request({ lifetimeSeconds: 0 }), NOW)).rejects.toThrow(RangeError);
  });

  it("are refused with another encryption key's derived key", async () => {
    const { token } = await signer.sign(request(), NOW);
    const other = portalTokenSigner(derivePortalTokenKey(Buffer.alloc(32, 8)));
    expect(await other.verify(token, NOW)).toBeNull();
  });

  it("are refused when any claim is changed, even to another real application", async () => {
    const { token } = await signer.sign(request({ readOnly: true }), NOW);
    for (const change of [
      { sub: newId("application", NOW) },
      { ro: false },
      { exp: Math.floor(NOW / 1000) + 365 * 24 * 3600 },
    ]) {
      expect(await signer.verify(replacePayload(token, change), NOW)).toBeNull();
    }
    const [header, payload, signature = ""] = token.split(".");
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    expect(await signer.verify(`${header}.${payload}.${flipped}`, NOW)).toBeNull();
  });

  /** A token signed with the right key but built by hand, to reach the claim checks behind the signature. */
  async function forged(
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: "HS256", ...header }).sign(KEY);
  }
  const valid = {
    iss: PORTAL_TOKEN_ISSUER,
    aud: PORTAL_TOKEN_AUDIENCE,
    sub: appId,
    iat: Math.floor(NOW / 1000),
    exp: Math.floor(NOW / 1000) + 60,
    jti: "j",
  };

  it("need every claim right, even when correctly signed", async () => {
    expect(await signer.verify(await forged(valid), NOW)).not.toBeNull();
    const { exp: _exp, ...withoutExp } = valid;
    const { jti: _jti, ...withoutJti } = valid;
    for (const claims of [
      { ...valid, aud: "herald-admin" },
      { ...valid, aud: [] },
      { ...valid, iss: "someone-else" },
      { ...valid, sub: "ep_1srOrx2ZWZBpBUvZwXKQmoEYga2" },
      { ...valid, sub: "acme" },
      { ...valid, ro: "yes" },
      { ...valid, sid: 7 },
      withoutExp,
      withoutJti,
    ]) {
      expect(await signer.verify(await forged(claims), NOW), JSON.stringify(claims)).toBeNull();
    }
  });

  it("refuse other algorithms, `none` included, and garbage of every shape without throwing", async () => {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
    const unsigned = `${encode({ alg: "none" })}.${encode(valid)}.`;
    const body = `${encode({ alg: "HS512" })}.${encode(valid)}`;
    const hs512 = `${body}.${createHmac("sha512", KEY).update(body).digest("base64url")}`;
    for (const token of [
      unsigned,
      hs512,
      "",
      "hk_not_a_jwt",
      "a.b.c",
      "...",
      `${encode("string")}.${encode(valid)}.x`,
      `${encode({ alg: "HS256" })}.${encode([1, 2])}.x`,
      `${encode({ alg: "HS256" })}.bm90IGpzb24.x`,
      "x".repeat(10_000),
    ]) {
      expect(await signer.verify(token, NOW), token.slice(0, 60)).toBeNull();
    }
  });
});
