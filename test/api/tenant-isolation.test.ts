/**
 * Tenant isolation (DESIGN §6: "a test tries to cross tenants through every route"). The routes are not listed
 * here: they are read from the running Herald (`app.registeredRoutes`, recorded as each route is registered), so
 * a route added later is covered without touching this file. With a portal token for application A:
 *   - every route under `:app_id`, addressing B (by id, by uid) or an application that does not exist → 401/403;
 *   - every route without `:app_id` → 403, unless the allow-list below opens it to tenants;
 *   - addressing A itself → never 401/403, except on the routes listed as the operator's alone.
 */
import { randomBytes } from "node:crypto";
import type { ApplicationOut } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";

/** Routes without `:app_id` that a portal token may call (or that need no token at all). */
const OPEN_TO_TENANTS: readonly string[] = [
  "GET /api/v1/health",
  "GET /api/v1/health/ping",
  // The portal shows the event-type catalog to pick filters from.
  "GET /api/v1/event-type",
  "GET /api/v1/event-type/:event_type_name",
  "GET /api/v1/event-type/:event_type_name/example",
  // Svix: a portal token logs itself out (Herald answers 501 until it can revoke tokens).
  "POST /api/v1/auth/logout",
  // The UI's pages and assets, which hold no tenant data.
  "GET /",
  "GET /dashboard",
  "GET /dashboard/*",
  "GET /portal",
  "GET /portal/*",
  "GET /ui/*",
];

/** Routes under `:app_id` that only the operator may call, even for the token's own application. */
const OPERATOR_ONLY: readonly string[] = [
  // A tenant may read its application but not replace, rename or delete it.
  "PUT /api/v1/app/:app_id",
  "PATCH /api/v1/app/:app_id",
  "DELETE /api/v1/app/:app_id",
  // Sending is the operator's backend's job (Svix: 403 for an application token).
  "POST /api/v1/app/:app_id/msg",
  "POST /api/v1/auth/app-portal-access/:app_id",
  "POST /api/v1/auth/dashboard-access/:app_id",
  "POST /api/v1/auth/app/:app_id/expire-all",
];

/** GET's allow-list entries cover the HEAD Fastify adds to every GET route. */
const routeKey = (method: string, url: string): string => `${method === "HEAD" ? "GET" : method} ${url}`;

interface Tenant {
  app: ApplicationOut;
  endpointId: string;
  msgId: string;
  attemptId: string;
}

/** The path with every parameter replaced by one of `tenant`'s resources (or a harmless value). */
function pathFor(url: string, appId: string, tenant: Tenant): string {
  const values: Record<string, string> = {
    app_id: appId,
    endpoint_id: tenant.endpointId,
    msg_id: tenant.msgId,
    attempt_id: tenant.attemptId,
    event_type_name: "invoice.paid",
  };
  return url
    .replace(/:([A-Za-z_]+)/g, (_match, name: string) => encodeURIComponent(values[name] ?? "x"))
    .replace(/\*$/, "x");
}

describe.each(BACKENDS)("tenant isolation on %s", (backend) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let tenantA: Tenant;
  let tenantB: Tenant;
  let tokenA: string;

  async function setUpTenant(name: string): Promise<Tenant> {
    const app = await herald.svix.application.create({
      name,
      uid: `${name}-${randomBytes(3).toString("hex")}`,
    });
    const endpoint = await herald.svix.endpoint.create(app.id, { url: `${receiver.url}/${name}` });
    const msg = await herald.svix.message.create(app.id, { eventType: "invoice.paid", payload: { name } });
    for (let i = 0; i < 200; i++) {
      const attempts = await herald.svix.messageAttempt.listByMsg(app.id, msg.id);
      const attempt = attempts.data[0];
      if (attempt) return { app, endpointId: endpoint.id, msgId: msg.id, attemptId: attempt.id };
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no attempt for ${name}'s message`);
  }

  async function call(method: string, path: string): Promise<number> {
    const hasBody = !["GET", "HEAD", "DELETE"].includes(method);
    const response = await fetch(herald.url + path, {
      method,
      redirect: "manual",
      headers: {
        authorization: `Bearer ${tokenA}`,
        ...(hasBody ? { "content-type": "application/json" } : {}),
      },
      ...(hasBody ? { body: "{}" } : {}),
    });
    await response.arrayBuffer();
    return response.status;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    herald = await startTestHerald({ backend });
    await herald.svix.eventType.create({ name: "invoice.paid", description: "d" });
    tenantA = await setUpTenant("a");
    tenantB = await setUpTenant("b");
    ({ token: tokenA } = await herald.svix.authentication.appPortalAccess(tenantA.app.id, {}));
  });
  afterAll(async () => {
    await herald?.stop();
    await receiver?.close();
  });

  const routes = () => herald.herald.app.registeredRoutes;

  it("reads the routes from the running Herald", () => {
    const keys = routes().map((route) => `${route.method} ${route.url}`);
    expect(keys).toContain("GET /api/v1/app/:app_id/endpoint");
    expect(keys).toContain("POST /api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend");
    expect(keys).toContain("HEAD /api/v1/app/:app_id/endpoint");
    expect(keys.length).toBeGreaterThan(50);
    // Every name the lists use is a real route, so a renamed route cannot silently drop out of them.
    for (const key of [...OPEN_TO_TENANTS, ...OPERATOR_ONLY]) expect(keys).toContain(key);
  });

  it("refuses a token for A on every route that addresses B, or an application that does not exist", async () => {
    const unknownId = `app_${"0".repeat(27)}`;
    const failures: string[] = [];
    for (const route of routes().filter((r) => r.url.includes(":app_id"))) {
      for (const appId of [tenantB.app.id, tenantB.app.uid ?? "", "no-such-application", unknownId]) {
        const path = pathFor(route.url, appId, tenantB);
        const status = await call(route.method, path);
        if (status !== 401 && status !== 403) failures.push(`${route.method} ${path} → ${status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("refuses a token for A on every route without :app_id that is not open to tenants", async () => {
    const failures: string[] = [];
    for (const route of routes().filter((r) => !r.url.includes(":app_id"))) {
      const path = pathFor(route.url, tenantB.app.id, tenantB);
      const status = await call(route.method, path);
      const open = OPEN_TO_TENANTS.includes(routeKey(route.method, route.url));
      if (open ? status === 401 || status === 403 : status !== 403) {
        failures.push(`${route.method} ${path} → ${status}${open ? " (open to tenants)" : ""}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("lets the token for A use every route of A's own but the operator's", async () => {
    // Reads first: the writes below may delete what they read.
    const order = (method: string): number => (method === "DELETE" ? 2 : method === "GET" ? 0 : 1);
    const own = routes()
      .filter((r) => r.url.includes(":app_id"))
      .sort((x, y) => order(x.method) - order(y.method));
    const failures: string[] = [];
    for (const route of own) {
      const path = pathFor(route.url, tenantA.app.id, tenantA);
      const status = await call(route.method, path);
      const operatorOnly = OPERATOR_ONLY.includes(routeKey(route.method, route.url));
      if (operatorOnly ? status !== 403 : status === 401 || status === 403) {
        failures.push(`${route.method} ${path} → ${status}${operatorOnly ? " (operator only)" : ""}`);
      }
    }
    expect(failures).toEqual([]);
    expect((await herald.svix.application.get(tenantA.app.id)).name).toBe("a");
    // The same holds by uid; and a plain read answers 200.
    expect(await call("GET", `/api/v1/app/${tenantA.app.uid ?? ""}/endpoint`)).toBe(200);
  });
});
