/**
 * What an endpoint is configured with besides Svix's fields: Herald's own delivery settings (name, payloadFormat,
 * signature, retrySchedule, timeoutSeconds), its signing secrets (§5.3) and its custom headers (§5.4).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { ApplicationOut } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { apiError, rawCall } from "../helpers/raw-api.js";

const ed25519Secret = (): string => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d ?? "", "base64url");
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  return `whsk_${Buffer.concat([seed, pub]).toString("base64")}`;
};

describe.each(BACKENDS)("endpoint settings on %s", (backend) => {
  let herald: TestHerald;
  let app: ApplicationOut;
  let base: string;

  beforeAll(async () => {
    herald = await startTestHerald({ backend });
    app = await herald.svix.application.create({ name: "Endpoints" });
    base = `/api/v1/app/${app.id}/endpoint`;
    await herald.svix.eventType.create({ name: "user.signup", description: "d" });
    await herald.svix.eventType.create({ name: "user.deleted", description: "d" });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  describe("Herald's own fields", () => {
    it("round-trip name, payloadFormat, signature, retrySchedule and timeoutSeconds", async () => {
      const created = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/",
          name: "GitHub-style receiver",
          payloadFormat: "form",
          signature: { scheme: "hmac", algorithm: "sha1", header: "X-Hub-Signature", prefix: "sha1=" },
          retrySchedule: [60, 300],
          timeoutSeconds: 5,
          secret: "my-github-secret",
        },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        name: "GitHub-style receiver",
        payloadFormat: "form",
        signature: {
          scheme: "hmac",
          algorithm: "sha1",
          encoding: "hex",
          header: "X-Hub-Signature",
          prefix: "sha1=",
          signedContent: "body",
        },
        retrySchedule: [60, 300],
        timeoutSeconds: 5,
      });
      const id = (created.json as { id: string }).id;
      expect((await herald.svix.endpoint.getSecret(app.id, id)).key).toBe("my-github-secret");

      const patched = await rawCall(herald, "PATCH", `${base}/${id}`, {
        body: {
          retrySchedule: null,
          timeoutSeconds: 60,
          name: "renamed",
        },
      });
      expect(patched.json).toMatchObject({
        retrySchedule: null,
        timeoutSeconds: 60,
        name: "renamed",
        payloadFormat: "form",
      });
      // The SDK ignores the extra fields but reads the rest as usual.
      expect(await herald.svix.endpoint.get(app.id, id)).toMatchObject({ id, url: "https://example.com/" });
    });

    it("validate them with 422s at the offending field", async () => {
      const cases: [Record<string, unknown>, (string | number)[]][] = [
        [{ payloadFormat: "xml" }, ["body", "payloadFormat"]],
        [{ timeoutSeconds: 0 }, ["body", "timeoutSeconds"]],
        [{ timeoutSeconds: 61 }, ["body", "timeoutSeconds"]],
        [{ timeoutSeconds: 1.5 }, ["body", "timeoutSeconds"]],
        [{ retrySchedule: Array.from({ length: 21 }, () => 1) }, ["body", "retrySchedule"]],
        [{ retrySchedule: [-1] }, ["body", "retrySchedule", 0]],
        [{ signature: { scheme: "rsa" } }, ["body", "signature"]],
        [{ signature: { scheme: "hmac", algorithm: "md5" } }, ["body", "signature"]],
        [{ signature: { scheme: "hmac", header: "Content-Type" } }, ["body", "signature", "header"]],
        [{ signature: { scheme: "hmac", header: "X Bad" } }, ["body", "signature", "header"]],
        [{ name: "a\u0000b" }, ["body", "name"]],
      ];
      for (const [fields, loc] of cases) {
        const response = await rawCall(herald, "POST", base, {
          body: { url: "https://example.com/", ...fields },
        });
        expect(response.status, JSON.stringify(fields)).toBe(422);
        expect(response.json, JSON.stringify(fields)).toMatchObject({ detail: [{ loc }] });
      }
    });

    it("a scheme of none is stored; its key stays a standard one", async () => {
      const response = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/",
          signature: { scheme: "none" },
        },
      });
      expect(response.json).toMatchObject({ signature: { scheme: "none" } });
      const { key } = await herald.svix.endpoint.getSecret(app.id, (response.json as { id: string }).id);
      expect(key).toMatch(/^whsec_/);
    });
  });

  describe("secrets", () => {
    it("generates whsec_ + base64 of 24 bytes, and accepts whsec_, unprefixed base64 and whsk_ keys", async () => {
      const generated = await herald.svix.endpoint.create(app.id, { url: "https://example.com/" });
      expect((await herald.svix.endpoint.getSecret(app.id, generated.id)).key).toMatch(
        /^whsec_[A-Za-z0-9+/]{32}$/,
      );

      const given = `whsec_${randomBytes(24).toString("base64")}`;
      const withGiven = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/",
        secret: given,
      });
      expect((await herald.svix.endpoint.getSecret(app.id, withGiven.id)).key).toBe(given);

      const unprefixed = randomBytes(32).toString("base64");
      const withUnprefixed = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/",
        secret: unprefixed,
      });
      expect((await herald.svix.endpoint.getSecret(app.id, withUnprefixed.id)).key).toBe(
        `whsec_${unprefixed}`,
      );

      const asymmetric = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/",
        secret: ed25519Secret(),
      });
      expect((await herald.svix.endpoint.getSecret(app.id, asymmetric.id)).key).toMatch(
        /^whpk_[A-Za-z0-9+/]{43}=$/,
      );
    });

    it("rejects secrets that do not fit the endpoint's scheme (422 at body.secret)", async () => {
      for (const secret of [
        "whsec_tooshort",
        "my-plain-secret",
        `whsk_${randomBytes(64).toString("base64")}`,
      ]) {
        const response = await rawCall(herald, "POST", base, {
          body: { url: "https://example.com/", secret },
        });
        expect(response.status, secret).toBe(422);
        expect(response.json, secret).toMatchObject({ detail: [{ loc: ["body", "secret"] }] });
      }
      const shortHmac = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/",
          signature: { scheme: "hmac" },
          secret: "short",
        },
      });
      expect(shortHmac.status).toBe(422);
      expect(shortHmac.json).toMatchObject({ detail: [{ loc: ["body", "secret"] }] });
    });

    it("rotates: a generated key by default, a given one on request, bodyless too (204)", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, { url: "https://example.com/" });
      const { key: first } = await herald.svix.endpoint.getSecret(app.id, endpoint.id);
      await herald.svix.endpoint.rotateSecret(app.id, endpoint.id);
      const { key: second } = await herald.svix.endpoint.getSecret(app.id, endpoint.id);
      expect(second).toMatch(/^whsec_/);
      expect(second).not.toBe(first);

      const chosen = `whsec_${randomBytes(24).toString("base64")}`;
      await herald.svix.endpoint.rotateSecret(app.id, endpoint.id, { key: chosen, gracePeriodSeconds: 0 });
      expect((await herald.svix.endpoint.getSecret(app.id, endpoint.id)).key).toBe(chosen);

      const bodyless = await rawCall(herald, "POST", `${base}/${endpoint.id}/secret/rotate`);
      expect(bodyless).toMatchObject({ status: 204, text: "" });
      expect((await herald.svix.endpoint.getSecret(app.id, endpoint.id)).key).not.toBe(chosen);

      const badKey = await rawCall(herald, "POST", `${base}/${endpoint.id}/secret/rotate`, {
        body: { key: "nope" },
      });
      expect(badKey.status).toBe(422);
      expect(badKey.json).toMatchObject({ detail: [{ loc: ["body", "key"] }] });
      const badGrace = await rawCall(herald, "POST", `${base}/${endpoint.id}/secret/rotate`, {
        body: {
          gracePeriodSeconds: 604_801,
        },
      });
      expect(badGrace.status).toBe(422);
      expect(badGrace.json).toMatchObject({ detail: [{ loc: ["body", "gracePeriodSeconds"] }] });
    });

    it("refuses an eleventh live old key with 400 limit_reached", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, { url: "https://example.com/" });
      for (let i = 0; i < 10; i++) await herald.svix.endpoint.rotateSecret(app.id, endpoint.id, {});
      const error = await apiError(herald.svix.endpoint.rotateSecret(app.id, endpoint.id, {}));
      expect(error.code).toBe(400);
      expect(error.body).toMatchObject({ code: "limit_reached" });
    });

    it("hmac endpoints take the tenant's own secret, and a switch to standard starts a fresh standard key", async () => {
      const created = await rawCall(herald, "POST", base, {
        body: {
          url: "https://example.com/",
          signature: { scheme: "hmac" },
          secret: "stripe-like secret 123",
        },
      });
      const id = (created.json as { id: string }).id;
      expect((await herald.svix.endpoint.getSecret(app.id, id)).key).toBe("stripe-like secret 123");
      await herald.svix.endpoint.rotateSecret(app.id, id, { key: "another-plain-secret" });
      expect((await herald.svix.endpoint.getSecret(app.id, id)).key).toBe("another-plain-secret");

      await rawCall(herald, "PATCH", `${base}/${id}`, { body: { signature: { scheme: "standard" } } });
      expect((await herald.svix.endpoint.getSecret(app.id, id)).key).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      const plain = await rawCall(herald, "POST", `${base}/${id}/secret/rotate`, {
        body: {
          key: "another-plain-secret",
        },
      });
      expect(plain.status).toBe(422);
    });
  });

  describe("custom headers", () => {
    it("sets, reads (sensitive ones by name only), patches and removes headers", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, { url: "https://example.com/" });
      expect(await herald.svix.endpoint.getHeaders(app.id, endpoint.id)).toEqual({
        headers: {},
        sensitive: [],
      });

      await herald.svix.endpoint.setHeaders(app.id, endpoint.id, {
        headers: { "X-Tenant": "acme", Authorization: "Bearer secret", "X-Old": "1" },
      });
      expect(await herald.svix.endpoint.getHeaders(app.id, endpoint.id)).toEqual({
        headers: { "X-Tenant": "acme", "X-Old": "1" },
        sensitive: ["Authorization"],
      });

      await herald.svix.endpoint.patchHeaders(app.id, endpoint.id, {
        headers: { "X-Added": "2" },
        deleteHeaders: ["x-old"],
      });
      const nullRemoves = await rawCall(herald, "PATCH", `${base}/${endpoint.id}/headers`, {
        body: {
          headers: { "X-Tenant": null, "x-added": "3" },
        },
      });
      expect(nullRemoves.status).toBe(204);
      expect(await herald.svix.endpoint.getHeaders(app.id, endpoint.id)).toEqual({
        headers: { "x-added": "3" },
        sensitive: ["Authorization"],
      });

      await herald.svix.endpoint.setHeaders(app.id, endpoint.id, { headers: {} });
      expect(await herald.svix.endpoint.getHeaders(app.id, endpoint.id)).toEqual({
        headers: {},
        sensitive: [],
      });
    });

    it("applies headers given at creation", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, {
        url: "https://example.com/",
        headers: { "X-Initial": "yes" },
      });
      expect((await herald.svix.endpoint.getHeaders(app.id, endpoint.id)).headers).toEqual({
        "X-Initial": "yes",
      });
    });

    it("rejects forbidden names, bad values and oversized values with 422", async () => {
      const endpoint = await herald.svix.endpoint.create(app.id, { url: "https://example.com/" });
      const path = `${base}/${endpoint.id}/headers`;
      const cases: Record<string, string>[] = [
        { "Content-Type": "text/plain" },
        { "User-Agent": "me" },
        { "X-Amz-Date": "x" },
        { "svix-id": "x" },
        { "Bad Name": "x" },
        { "X-Injected": "a\r\nb: c" },
        { "X-Big": "a".repeat(4097) },
      ];
      for (const headers of cases) {
        const response = await rawCall(herald, "PUT", path, { body: { headers } });
        expect(response.status, JSON.stringify(headers).slice(0, 80)).toBe(422);
        expect(response.json).toMatchObject({
          detail: [{ loc: ["body", "headers", Object.keys(headers)[0]] }],
        });
      }
      expect(
        (await rawCall(herald, "PATCH", path, { body: { headers: { "Content-Length": "1" } } })).status,
      ).toBe(422);
      expect(
        (
          await rawCall(herald, "POST", base, {
            body: { url: "https://example.com/", headers: { Host: "evil" } },
          })
        ).status,
      ).toBe(422);
      expect((await rawCall(herald, "PUT", path, { body: {} })).status).toBe(422);
      expect(await herald.svix.endpoint.getHeaders(app.id, endpoint.id)).toEqual({
        headers: {},
        sensitive: [],
      });
    });
  });
});
