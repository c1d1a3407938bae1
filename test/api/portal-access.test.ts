/**
 * App-scoped portal tokens (DESIGN §6) through a real Herald and the official SDK: issuing them with
 * `authentication.appPortalAccess`, then using them as a tenant's portal would, and every way they must fail.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Svix, type ApplicationOut } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idempotencyKeyHash } from "../../src/services/idempotency.js";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { apiError, rawCall } from "../helpers/raw-api.js";

const INVALID_TOKEN = { code: "authentication_failed", detail: "Invalid token" };
const INSUFFICIENT_ACCESS = {
  code: "insufficient access",
  detail: "Insufficient access for the given operation.",
};

/** The token's claims as the portal UI reads them: decoded, not verified. */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

describe.each(BACKENDS)("portal access on %s", (backend) => {
  let herald: TestHerald;
  let tenant: ApplicationOut;
  let other: ApplicationOut;
  /** The SDK as a tenant's portal would use it, with a token for `tenant`. */
  let portal: Svix;
  let portalToken: string;

  const portalClient = (token: string): Svix => new Svix(token, { serverUrl: herald.url });

  beforeAll(async () => {
    herald = await startTestHerald({ backend });
    tenant = await herald.svix.application.create({ name: "Tenant", uid: "tenant-a" });
    other = await herald.svix.application.create({ name: "Other", uid: "tenant-b" });
    await herald.svix.eventType.create({ name: "invoice.paid", description: "An invoice was paid" });
    ({ token: portalToken } = await herald.svix.authentication.appPortalAccess(tenant.id, {}));
    portal = portalClient(portalToken);
  });
  afterAll(async () => {
    await herald?.stop();
  });

  describe("issuing", () => {
    it("answers {url, token}: a JWT for the application's real id, in the fragment of a /portal link", async () => {
      const before = Math.floor(Date.now() / 1000);
      // Addressed by uid; the token names the id.
      const access = await herald.svix.authentication.appPortalAccess("tenant-a", {});
      expect(access.url).toBe(`${herald.url}/portal#token=${access.token}`);
      const claims = claimsOf(access.token);
      expect(claims).toMatchObject({ iss: "herald", aud: "herald-portal", sub: tenant.id });
      expect(claims).not.toHaveProperty("ro");
      expect(typeof claims["jti"]).toBe("string");
      // Svix's default lifetime: 7 days.
      expect(claims["exp"]).toBeGreaterThanOrEqual(before + 7 * 24 * 3600);
      expect(claims["exp"]).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 7 * 24 * 3600);
      const raw = await rawCall(herald, "POST", `/api/v1/auth/app-portal-access/${tenant.id}`, {
        body: { expiry: 3600, readOnly: true, sessionId: "s-42", featureFlags: ["beta"], capabilities: [] },
      });
      expect(raw.status).toBe(200);
      const token = (raw.json as { token: string }).token;
      expect(claimsOf(token)).toMatchObject({ ro: true, sid: "s-42" });
      expect((claimsOf(token)["exp"] as number) - (claimsOf(token)["iat"] as number)).toBeLessThanOrEqual(
        3601,
      );
    });

    it("never keeps a token in the idempotency cache: a retried request gets a fresh token", async () => {
      const headers = { "idempotency-key": `portal-${randomBytes(4).toString("hex")}` };
      const path = `/api/v1/auth/app-portal-access/${tenant.id}`;
      const first = await rawCall(herald, "POST", path, { body: {}, headers });
      const retried = await rawCall(herald, "POST", path, { body: {}, headers });
      expect(first.status).toBe(200);
      expect(retried.status).toBe(200);
      const firstToken = (first.json as { token: string }).token;
      expect((retried.json as { token: string }).token).not.toBe(firstToken);
      // The request's cache entry was never written: claiming it now finds it free.
      const entry = idempotencyKeyHash(`Bearer ${herald.token}`, headers["idempotency-key"], path);
      expect(await herald.store.claimIdempotencyKey(entry, Date.now(), Date.now() + 1_000)).toEqual({
        state: "claimed",
      });
    });

    it("answers a bodyless request and the deprecated dashboard-access alias the same way", async () => {
      const bodyless = await rawCall(herald, "POST", `/api/v1/auth/app-portal-access/${tenant.id}`);
      expect(bodyless.status).toBe(200);
      const alias = await rawCall(herald, "POST", `/api/v1/auth/dashboard-access/${tenant.id}`, { body: {} });
      expect(alias.status).toBe(200);
      const { url, token } = alias.json as { url: string; token: string };
      expect(url).toBe(`${herald.url}/portal#token=${token}`);
      expect(claimsOf(token)["sub"]).toBe(tenant.id);
    });

    it("creates the application named by the path's uid from `application`, and ignores it once it exists", async () => {
      const uid = `new-${randomBytes(4).toString("hex")}`;
      const created = await herald.svix.authentication.appPortalAccess(uid, {
        application: { name: "Created by the portal link", uid },
      });
      const application = await herald.svix.application.get(uid);
      expect(application.name).toBe("Created by the portal link");
      expect(claimsOf(created.token)["sub"]).toBe(application.id);
      // Works at once for the new tenant.
      expect((await portalClient(created.token).endpoint.list(uid)).data).toEqual([]);
      const again = await herald.svix.authentication.appPortalAccess(uid, {
        application: { name: "Ignored", uid },
      });
      expect(claimsOf(again.token)["sub"]).toBe(application.id);
      expect((await herald.svix.application.get(uid)).name).toBe("Created by the portal link");
    });

    it("answers 404 to the admin for an unknown application without `application`", async () => {
      const missing = await apiError(herald.svix.authentication.appPortalAccess("no-such-tenant", {}));
      expect(missing.code).toBe(404);
      expect(missing.body).toMatchObject({ code: "not_found" });
      const unknownId = await rawCall(
        herald,
        "POST",
        "/api/v1/auth/app-portal-access/app_1srOrx2ZWZBpBUvZwXKQmoEYga2",
      );
      expect(unknownId.status).toBe(404);
    });

    it.each([
      ["expiry 0", { expiry: 0 }, ["body", "expiry"]],
      ["expiry as text", { expiry: "x" }, ["body", "expiry"]],
      ["expiry over a year", { expiry: 366 * 24 * 3600 }, ["body", "expiry"]],
      ["readOnly as text", { readOnly: "yes" }, ["body", "readOnly"]],
      ["an application without a name", { application: { uid: "x" } }, ["body", "application", "name"]],
    ])("answers 422 with the offending field for %s", async (_case, body, loc) => {
      const raw = await rawCall(herald, "POST", `/api/v1/auth/app-portal-access/${tenant.id}`, { body });
      expect(raw.status).toBe(422);
      expect((raw.json as { detail: { loc: unknown }[] }).detail.map((issue) => issue.loc)).toContainEqual(
        loc,
      );
    });

    it("requires the inline application's uid to be the one the path names", async () => {
      const mismatch = await rawCall(herald, "POST", "/api/v1/auth/app-portal-access/brand-new", {
        body: { application: { name: "X", uid: "something-else" } },
      });
      expect(mismatch.status).toBe(422);
      expect(mismatch.json).toMatchObject({
        detail: [{ loc: ["body", "application", "uid"], type: "application_uid_mismatch" }],
      });
      const missing = await rawCall(herald, "POST", "/api/v1/auth/app-portal-access/brand-new", {
        body: { application: { name: "X" } },
      });
      expect(missing.status).toBe(422);
      expect(missing.json).toMatchObject({
        detail: [{ loc: ["body", "application", "uid"], type: "application_uid_missing" }],
      });
    });

    it("answers logout and expire-all with a JSON 501: nothing can revoke a token yet", async () => {
      for (const [path, token] of [
        ["/api/v1/auth/logout", portalToken],
        ["/api/v1/auth/logout", herald.token],
        [`/api/v1/auth/app/${tenant.id}/expire-all`, herald.token],
      ] as const) {
        const raw = await rawCall(herald, "POST", path, { token, body: {} });
        expect(raw.status, path).toBe(501);
        expect(raw.json).toMatchObject({ code: "not_implemented" });
      }
      // The token still works afterwards.
      expect((await portal.endpoint.list(tenant.id)).data).toBeInstanceOf(Array);
    });
  });

  describe("using the token", () => {
    it("reads and manages the endpoints of its own application, by id and by uid, and reads the catalog", async () => {
      const endpoint = await portal.endpoint.create(tenant.id, {
        url: "https://example.com/portal-hook",
        eventTypes: ["invoice.paid"],
      });
      expect((await portal.endpoint.list("tenant-a")).data.map((e) => e.id)).toContain(endpoint.id);
      await portal.endpoint.patch(tenant.id, endpoint.id, { description: "from the portal" });
      expect((await portal.endpoint.get(tenant.id, endpoint.id)).description).toBe("from the portal");
      expect((await portal.endpoint.getSecret(tenant.id, endpoint.id)).key).toMatch(/^whsec_/);
      expect((await portal.application.get(tenant.id)).id).toBe(tenant.id);
      expect((await portal.eventType.list()).data.map((t) => t.name)).toContain("invoice.paid");
      expect((await portal.eventType.get("invoice.paid")).description).toBe("An invoice was paid");
      expect((await portal.message.list(tenant.id)).data).toBeInstanceOf(Array);
      await portal.endpoint.delete(tenant.id, endpoint.id);
    });

    it("gets 403 for another application, existing or not, by id or uid", async () => {
      for (const call of [
        () => portal.endpoint.list(other.id),
        () => portal.endpoint.list("tenant-b"),
        () => portal.application.get(other.id),
        () => portal.endpoint.create(other.id, { url: "https://example.com/steal" }),
        // A 404 here would tell the tenant which ids and uids exist.
        () => portal.endpoint.list("no-such-tenant"),
        () => portal.endpoint.list("app_1srOrx2ZWZBpBUvZwXKQmoEYga2"),
      ]) {
        const failure = await apiError(call());
        expect(failure.code).toBe(403);
        expect(failure.body).toEqual(INSUFFICIENT_ACCESS);
      }
    });

    it("gets 403 on the operator's routes, its own application's included", async () => {
      for (const call of [
        () => portal.application.list(),
        () => portal.application.create({ name: "Mine now" }),
        () => portal.eventType.create({ name: "tenant.made", description: "d" }),
        () => portal.eventType.delete("invoice.paid"),
        () => portal.message.create(tenant.id, { eventType: "invoice.paid", payload: {} }),
        () => portal.application.upsert(tenant.id, { name: "Renamed" }),
        () => portal.application.patch(tenant.id, { name: "Renamed" }),
        () => portal.application.delete(tenant.id),
        () => portal.authentication.appPortalAccess(tenant.id, {}),
      ]) {
        const failure = await apiError(call());
        expect(failure.code).toBe(403);
        expect(failure.body).toEqual(INSUFFICIENT_ACCESS);
      }
      expect((await herald.svix.application.get(tenant.id)).name).toBe("Tenant");
    });

    it("is read-only when issued so: reads work, every write gets 403", async () => {
      const endpoint = await herald.svix.endpoint.create(tenant.id, { url: "https://example.com/ro" });
      const { token } = await herald.svix.authentication.appPortalAccess(tenant.id, { readOnly: true });
      const readOnly = portalClient(token);
      expect((await readOnly.endpoint.list(tenant.id)).data.map((e) => e.id)).toContain(endpoint.id);
      expect((await readOnly.endpoint.get(tenant.id, endpoint.id)).url).toBe("https://example.com/ro");
      for (const call of [
        () => readOnly.endpoint.create(tenant.id, { url: "https://example.com/new" }),
        () => readOnly.endpoint.patch(tenant.id, endpoint.id, { description: "changed" }),
        () => readOnly.endpoint.delete(tenant.id, endpoint.id),
        () => readOnly.endpoint.rotateSecret(tenant.id, endpoint.id, {}),
      ]) {
        const failure = await apiError(call());
        expect(failure.code).toBe(403);
        expect(failure.body).toEqual(INSUFFICIENT_ACCESS);
      }
      expect((await herald.svix.endpoint.get(tenant.id, endpoint.id)).description).toBe("");
    });

    it("gets 401 once expired", async () => {
      const { token } = await herald.svix.authentication.appPortalAccess(tenant.id, { expiry: 1 });
      // A one-second token lives at least one and less than two seconds.
      await sleep(2_100);
      const failure = await apiError(portalClient(token).endpoint.list(tenant.id));
      expect(failure.code).toBe(401);
      expect(failure.body).toEqual(INVALID_TOKEN);
    });

    it("gets 401 when tampered with: signature, claims, or a token signed with another key", async () => {
      const [header = "", payload = "", signature = ""] = portalToken.split(".");
      const flipped = `${header}.${payload}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
      const otherClaims = Buffer.from(JSON.stringify({ ...claimsOf(portalToken), sub: other.id })).toString(
        "base64url",
      );
      const retargeted = `${header}.${otherClaims}.${signature}`;
      const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
      const unsigned = `${encode({ alg: "none" })}.${payload}.`;
      for (const token of [flipped, retargeted, unsigned, `${portalToken}x`]) {
        const failure = await apiError(portalClient(token).endpoint.list(other.id));
        expect(failure.code).toBe(401);
        expect(failure.body).toEqual(INVALID_TOKEN);
      }
    });
  });

  describe("across processes", () => {
    it("is accepted by a Herald with the same encryption key, refused by one with another", async () => {
      const publicUrl = "https://webhooks.example.com/herald";
      const sameKey = await startTestHerald({ backend, config: { publicUrl } });
      const otherKey = await startTestHerald({ backend, config: { encryptionKey: randomBytes(32) } });
      try {
        // Catalog reads need no application in the (separate) database: they show whether the token is accepted.
        const accepted = await rawCall(sameKey, "GET", "/api/v1/event-type", { token: portalToken });
        expect(accepted.status).toBe(200);
        const refused = await rawCall(otherKey, "GET", "/api/v1/event-type", { token: portalToken });
        expect(refused.status).toBe(401);
        expect(refused.json).toEqual(INVALID_TOKEN);
        // And HERALD_PUBLIC_URL is where portal links point.
        await sameKey.svix.application.create({ name: "Linked", uid: "linked" });
        const { url, token } = await sameKey.svix.authentication.appPortalAccess("linked", {});
        expect(url).toBe(`${publicUrl}/portal#token=${token}`);
      } finally {
        await sameKey.stop();
        await otherKey.stop();
      }
    });
  });
});
