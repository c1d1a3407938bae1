/**
 * The endpoint views in a real browser against a real Herald and real receivers: create and edit through the
 * form, validation (client-side and the API's 422s next to their fields), the test panel, toggle, delete, the
 * signing secret, the read-only portal, and screenshots at desktop and phone widths.
 */
import type { Browser, Page } from "playwright-core";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchBrowser,
  openPage,
  screenshot,
  signInToDashboard,
  unexpectedErrors,
  type TestPage,
} from "../helpers/browser.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { delay, headerRecord, startReceiver, type Receiver } from "../helpers/receiver.js";

let herald: TestHerald;
let browser: Browser;
const receivers: Receiver[] = [];
const pages: TestPage[] = [];

beforeAll(async () => {
  [herald, browser] = await Promise.all([startTestHerald(), launchBrowser()]);
});

afterAll(async () => {
  await Promise.all(pages.map((page) => page.close()));
  await browser?.close();
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await herald?.stop();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const started = await startReceiver(...args);
  receivers.push(started);
  return started;
}

/** A signed-in dashboard page; closed after all tests even when a test fails. */
async function dashboard(viewport?: { width: number; height: number }): Promise<TestPage> {
  const opened = await openPage(browser, viewport ? { viewport } : {});
  pages.push(opened);
  await signInToDashboard(opened.page, herald.url, herald.token);
  return opened;
}

const appUrl = (appId: string, sub = "") => `${herald.url}/dashboard/apps/${appId}${sub ? `/${sub}` : ""}`;

/** Herald's own fields (payloadFormat, signature, …) are not in the SDK's types: read them raw. */
async function apiGet<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${herald.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${herald.token}` },
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as T };
}

async function apiPost<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${herald.url}/api/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${herald.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as T };
}

/** A Card by its title (the shared Card's section has no accessible name of its own). */
const card = (page: Page, title: string) =>
  page.locator("section.card").filter({ has: page.getByRole("heading", { name: title, exact: true }) });

/** The endpoint id at the end of a detail page's URL. */
function endpointIdFrom(page: Page): string {
  const id = /\/endpoints\/(ep_[^/?#]+)$/.exec(new URL(page.url()).pathname)?.[1];
  if (!id) throw new Error(`not an endpoint page: ${page.url()}`);
  return id;
}

/** The requests to the API that write endpoints, to prove that a form sent nothing. */
function endpointWrites(page: Page): string[] {
  const writes: string[] = [];
  page.on("request", (request) => {
    if (request.method() !== "GET" && /\/api\/v1\/app\/[^/]+\/endpoint/.test(request.url()))
      writes.push(`${request.method()} ${request.url()}`);
  });
  return writes;
}

describe("endpoint views", () => {
  it("creates an endpoint through the form; the detail page, the API and the table agree", async () => {
    const target = await receiver();
    const app = await herald.svix.application.create({ name: "Billing app" });
    await herald.svix.eventType.create({
      name: "invoice.paid",
      description: "An invoice was paid",
      groupName: "invoice",
    });
    await herald.svix.eventType.create({
      name: "invoice.voided",
      description: "Voided",
      groupName: "invoice",
    });
    const { page, errors } = await dashboard();

    await page.goto(appUrl(app.id));
    await page.getByRole("heading", { name: "No endpoints yet" }).waitFor();
    await page.getByRole("link", { name: "Add endpoint" }).click();
    await page.getByRole("heading", { name: "Add endpoint" }).waitFor();

    await page.getByLabel("Endpoint URL").fill(`${target.url}/billing`);
    await page.getByLabel("Name", { exact: true }).fill("Billing");
    await page.getByLabel("Only selected event types").check();
    await page.getByRole("group", { name: "invoice" }).waitFor();
    await page.getByRole("checkbox", { name: /invoice\.paid/ }).check();
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByLabel("Header 1 name").fill("X-Team");
    await page.getByLabel("Header 1 value").fill("billing");
    await page.getByLabel(/^Form-urlencoded/).check();
    await screenshot(page, "endpoints-form");
    await page.getByRole("button", { name: "Create endpoint" }).click();

    await page.getByRole("heading", { name: /^Billing/ }).waitFor();
    const endpointId = endpointIdFrom(page);
    const configuration = card(page, "Configuration");
    await expect.poll(() => configuration.textContent()).toContain("Form-urlencoded");
    expect(await configuration.textContent()).toContain("invoice.paid");
    const customHeaders = card(page, "Custom headers");
    await expect.poll(() => customHeaders.textContent()).toContain("X-Team");
    expect(await customHeaders.textContent()).toContain("billing");

    const stored = await apiGet<Record<string, unknown>>(`/app/${app.id}/endpoint/${endpointId}`);
    expect(stored.body).toMatchObject({
      url: `${target.url}/billing`,
      name: "Billing",
      description: "",
      disabled: false,
      eventTypes: ["invoice.paid"],
      payloadFormat: "form",
      signature: { scheme: "standard" },
      retrySchedule: null,
      timeoutSeconds: 15,
      throttleRate: null,
    });
    const headers = await herald.svix.endpoint.getHeaders(app.id, endpointId);
    expect(headers.headers).toEqual({ "X-Team": "billing" });
    expect(headers.sensitive ?? []).toEqual([]);

    await page.getByRole("link", { name: "Endpoints", exact: true }).first().click();
    const row = page
      .getByRole("row")
      .filter({ has: page.getByRole("link", { name: "Billing", exact: true }) });
    await row.waitFor();
    expect(await row.textContent()).toContain("invoice.paid");
    expect(await row.textContent()).toContain("Active");
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  it("edits an endpoint: a hidden credential header is kept, the rest replaced, HMAC settings applied", async () => {
    const target = await receiver();
    const app = await herald.svix.application.create({ name: "Edit app" });
    const endpoint = await herald.svix.endpoint.create(app.id, {
      url: `${target.url}/edit`,
      description: "",
    });
    await herald.svix.endpoint.setHeaders(app.id, endpoint.id, {
      headers: { Authorization: "Bearer s3cret", "X-Old": "1" },
    });
    const { page, errors } = await dashboard();

    await page.goto(appUrl(app.id, `endpoints/${endpoint.id}/edit`));
    await page.getByRole("heading", { name: /^Edit / }).waitFor();
    // The credential's value is never shown: its row keeps the name and an empty value field.
    const rows = [1, 2].map((n) => page.getByLabel(`Header ${n} name`));
    const names = await Promise.all(rows.map((row) => row.inputValue()));
    expect(names).toEqual(["X-Old", "Authorization"]);
    expect(await page.getByLabel("Header 2 value").inputValue()).toBe("");
    await page.getByRole("button", { name: "Remove header X-Old" }).click();
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByLabel("Header 2 name").fill("X-New");
    await page.getByLabel("Header 2 value").fill("2");
    await page.getByLabel("Name", { exact: true }).fill("Renamed");
    await page.getByLabel(/^HMAC in a custom header/).check();
    await page.getByLabel("Signature header").fill("X-Hub-Signature-256");
    await page.getByLabel("Prefix").fill("sha256=");
    await page.getByLabel("Retry schedule (seconds)").fill("10, 60");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { name: /^Renamed/ }).waitFor();

    const stored = await apiGet<Record<string, unknown>>(`/app/${app.id}/endpoint/${endpoint.id}`);
    expect(stored.body).toMatchObject({
      name: "Renamed",
      retrySchedule: [10, 60],
      signature: { scheme: "hmac", header: "X-Hub-Signature-256", prefix: "sha256=", algorithm: "sha256" },
    });
    const test = await apiPost<{ statusCode: number }>(`/app/${app.id}/endpoint/${endpoint.id}/test`, {
      eventType: "svix.ping",
    });
    expect(test.body.statusCode).toBe(200);
    const [sent] = await target.waitFor(1);
    expect(sent?.headers["authorization"]).toBe("Bearer s3cret");
    expect(sent?.headers["x-new"]).toBe("2");
    expect(sent?.headers["x-old"]).toBeUndefined();
    expect(sent?.headers["x-hub-signature-256"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await card(page, "Custom headers").textContent()).toContain("Hidden");
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  it("validates before sending, warns about http, and shows the API's 422s next to their fields", async () => {
    const app = await herald.svix.application.create({ name: "Validation app" });
    await herald.svix.eventType.create({ name: "temp.event", description: "Soon archived" });
    const { page, errors } = await dashboard();
    const writes = endpointWrites(page);

    await page.goto(appUrl(app.id, "endpoints/new"));
    const url = page.getByLabel("Endpoint URL");
    await url.fill("not a url");
    await page.getByRole("button", { name: "Create endpoint" }).click();
    await page.getByText("Enter a full URL").waitFor();
    expect(await url.getAttribute("aria-invalid")).toBe("true");
    expect(await url.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.getByLabel("Timeout (seconds)").fill("90");
    await page.getByText("A whole number of seconds from 1 to 60.").waitFor();
    await page.getByLabel("Timeout (seconds)").fill("15");
    expect(writes).toEqual([]);

    await url.fill("http://example.com/hook");
    await page.getByText("plain http:// URL").waitFor();
    expect(await page.getByText("Enter a full URL").count()).toBe(0);

    // A header name only the server forbids (Herald keeps the list): the 422 names it, the row shows it.
    await page.getByLabel("Only selected event types").check();
    await page.getByRole("checkbox", { name: /temp\.event/ }).check();
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByLabel("Header 1 name").fill("X-Amz-Date");
    await page.getByLabel("Header 1 value").fill("today");
    await page.getByRole("button", { name: "Create endpoint" }).click();
    await page.getByText("Header name is not allowed: X-Amz-Date").waitFor();
    expect(await page.getByLabel("Header 1 name").getAttribute("aria-invalid")).toBe("true");
    expect(writes).toHaveLength(1);

    // An event type archived after the form loaded its catalog: only the server can know.
    await herald.svix.eventType.delete("temp.event");
    await page.getByRole("button", { name: "Remove header X-Amz-Date" }).click();
    await page.getByRole("button", { name: "Create endpoint" }).click();
    const events = page.getByRole("group", { name: "Events" });
    await events.getByText("The following event types don't exist: temp.event").waitFor();
    expect(writes).toHaveLength(2);
    expect((await herald.svix.endpoint.list(app.id)).data).toEqual([]);
    await screenshot(page, "endpoints-form-errors");
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  it("sends a test event from the test panel and shows the receiver's answer", async () => {
    const target = await receiver(() => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: '{"received":true,"by":"test receiver"}',
    }));
    const app = await herald.svix.application.create({ name: "Test panel app" });
    await herald.svix.eventType.create({
      name: "order.created",
      description: "An order was placed",
      schemas: {
        "1": {
          type: "object",
          properties: { id: { type: "string" }, amount: { type: "integer" } },
          required: ["id", "amount"],
        },
      },
    });
    const endpoint = await herald.svix.endpoint.create(app.id, {
      url: `${target.url}/orders`,
      description: "",
      eventTypes: ["order.created"],
    });
    // Nothing listens on port 9 (discard): the connection is refused.
    await herald.svix.endpoint.create(app.id, { url: "http://127.0.0.1:9/", description: "" });
    const { page, errors } = await dashboard();

    await page.goto(appUrl(app.id));
    await page.getByRole("button", { name: `Test ${new URL(target.url).host}`, exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: /^Test / }).waitFor();
    const eventType = dialog.getByLabel("Event type");
    await expect.poll(() => eventType.inputValue()).toBe("order.created");
    const payload = dialog.getByLabel("Payload");
    await expect.poll(() => payload.inputValue()).toContain('"amount"');
    await dialog.getByText("Generated from the event type's JSON schema").waitFor();

    await payload.fill("[1, 2]");
    await dialog.getByText("The payload must be a JSON object").waitFor();
    expect(await dialog.getByRole("button", { name: "Send test event" }).isDisabled()).toBe(true);
    await payload.fill("{ not json");
    await dialog.getByText("Not valid JSON").waitFor();

    const edited = { id: "ord_42", amount: 4200, note: "edited in the panel" };
    await payload.fill(JSON.stringify(edited, null, 2));
    await dialog.getByRole("button", { name: "Send test event" }).click();
    const result = dialog.getByRole("region", { name: "Test result" });
    await result.waitFor();

    const [request] = await target.waitFor(1);
    if (!request) throw new Error("no request");
    const { key } = await herald.svix.endpoint.getSecret(app.id, endpoint.id);
    const headers = headerRecord(request.headers);
    expect(headers["webhook-id"] ?? headers["svix-id"]).toMatch(/^msg_/);
    expect(headers["webhook-signature"] ?? headers["svix-signature"]).toMatch(/^v1,/);
    expect(() => new Webhook(key).verify(request.text, headers)).not.toThrow();
    expect(JSON.parse(request.text)).toEqual(edited);

    expect(await result.getByText("200", { exact: true }).count()).toBe(1);
    expect(await result.textContent()).toMatch(/Duration\s*\d+(\.\d+)?\s*(ms|s)/);
    expect(await result.textContent()).toContain('"by": "test receiver"');
    const logLink = result.getByRole("link", { name: "View in the delivery log" });
    const attempts = await herald.svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
    const attempt = attempts.data[0];
    expect(attempt?.responseStatusCode).toBe(200);
    // The log opens with this endpoint's filter and the attempt's detail (the logs view's URL format).
    expect(await logLink.getAttribute("href")).toBe(
      `/dashboard/apps/${app.id}/logs?endpoint=${endpoint.id}&attempt=${attempt?.msgId}%3A${attempt?.id}`,
    );
    await screenshot(page, "endpoints-test-result");

    // A receiver that is down: the network error kind, not a status code.
    await dialog.getByRole("button", { name: "Close" }).last().click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Test 127.0.0.1:9", exact: true }).click();
    await expect.poll(() => dialog.getByLabel("Payload").inputValue()).toContain("{");
    await dialog.getByRole("button", { name: "Send test event" }).click();
    await dialog
      .getByRole("region", { name: "Test result" })
      .getByText("Connection refused")
      .first()
      .waitFor();
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  it("toggling an endpoint off stops delivery; toggling it on resumes it", async () => {
    const target = await receiver();
    const app = await herald.svix.application.create({ name: "Toggle app" });
    await herald.svix.endpoint.create(app.id, { url: `${target.url}/toggle`, description: "" });
    const { page, errors } = await dashboard();
    const name = new URL(target.url).host;

    await page.goto(appUrl(app.id));
    await page.getByRole("button", { name: `Disable ${name}` }).click();
    await page.getByRole("button", { name: `Enable ${name}` }).waitFor();
    await page.getByText(`${name} disabled`).waitFor();
    expect(await page.getByRole("row").filter({ hasText: name }).textContent()).toContain("Disabled");

    await herald.svix.message.create(app.id, { eventType: "user.created", payload: { n: 1 } });
    await delay(1500);
    expect(target.requests).toHaveLength(0);

    await page.getByRole("button", { name: `Enable ${name}` }).click();
    await page.getByRole("button", { name: `Disable ${name}` }).waitFor();
    await herald.svix.message.create(app.id, { eventType: "user.created", payload: { n: 2 } });
    const [delivered] = await target.waitFor(1);
    expect(JSON.parse(delivered?.text ?? "{}")).toEqual({ n: 2 });
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  it("deletes an endpoint only after confirmation", async () => {
    const app = await herald.svix.application.create({ name: "Delete app" });
    const endpoint = await herald.svix.endpoint.create(app.id, {
      url: "https://doomed.example.com/hook",
      description: "",
    });
    await apiPost(`/app/${app.id}/endpoint`, { url: "https://keeper.example.com/", name: "Keeper" });
    const { page, errors } = await dashboard();

    await page.goto(appUrl(app.id));
    await page.getByRole("button", { name: "Delete doomed.example.com" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete endpoint?" });
    expect(await dialog.textContent()).toContain("doomed.example.com");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await herald.svix.endpoint.get(app.id, endpoint.id)).id).toBe(endpoint.id);
    expect(await page.getByRole("link", { name: "doomed.example.com", exact: true }).count()).toBe(1);

    await page.getByRole("button", { name: "Delete doomed.example.com" }).click();
    await dialog.getByRole("button", { name: "Delete endpoint" }).click();
    await page.getByRole("link", { name: "doomed.example.com", exact: true }).waitFor({ state: "detached" });
    expect((await apiGet(`/app/${app.id}/endpoint/${endpoint.id}`)).status).toBe(404);
    expect(await page.getByRole("link", { name: "Keeper", exact: true }).count()).toBe(1);
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  it("reveals, copies and rotates the signing secret; the old one keeps signing through the grace period", async () => {
    const target = await receiver();
    const app = await herald.svix.application.create({ name: "Secret app" });
    const endpoint = await herald.svix.endpoint.create(app.id, { url: `${target.url}/s`, description: "" });
    const { page, context, errors } = await dashboard();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: herald.url });

    await page.goto(appUrl(app.id, `endpoints/${endpoint.id}`));
    const secretCard = card(page, "Signing secret");
    const value = secretCard.getByLabel("Signing secret");
    expect(await value.textContent()).not.toContain("whsec_");
    await secretCard.getByRole("button", { name: "Reveal" }).click();
    const first = (await herald.svix.endpoint.getSecret(app.id, endpoint.id)).key;
    await expect.poll(() => value.textContent()).toBe(first);
    await secretCard.getByRole("button", { name: "Copy secret" }).click();
    await secretCard.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);

    await secretCard.getByRole("button", { name: "Rotate…" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate the signing secret?" });
    expect(await dialog.textContent()).toContain("grace period");
    const grace = dialog.getByLabel("Grace period (hours)");
    expect(await grace.inputValue()).toBe("24");
    await grace.fill("200");
    await dialog.getByText("From 0 to 168 hours.").waitFor();
    await grace.fill("2");
    await dialog.getByRole("button", { name: "Rotate secret" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText("keeps signing for 2 hours").waitFor();
    const second = (await herald.svix.endpoint.getSecret(app.id, endpoint.id)).key;
    expect(second).not.toBe(first);
    await expect.poll(() => value.textContent()).toBe(second);

    // Within the grace period both secrets sign each delivery.
    await herald.svix.message.create(app.id, { eventType: "secret.check", payload: { ok: true } });
    const [delivered] = await target.waitFor(1);
    if (!delivered) throw new Error("no delivery");
    const headers = headerRecord(delivered.headers);
    expect((headers["webhook-signature"] ?? headers["svix-signature"] ?? "").split(" ")).toHaveLength(2);
    expect(() => new Webhook(first).verify(delivered.text, headers)).not.toThrow();
    expect(() => new Webhook(second).verify(delivered.text, headers)).not.toThrow();
    await screenshot(page, "endpoints-detail");
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  it("a read-only portal lists endpoints and their details without any write action", async () => {
    const app = await herald.svix.application.create({ name: "Read-only app" });
    const endpoint = await herald.svix.endpoint.create(app.id, {
      url: "https://readonly.example.com/hook",
      description: "",
    });
    const { token } = await herald.svix.authentication.appPortalAccess(app.id, { readOnly: true });
    const opened = await openPage(browser);
    pages.push(opened);
    const { page, errors } = opened;

    await page.goto(`${herald.url}/portal#token=${token}`);
    await page.getByRole("link", { name: "readonly.example.com", exact: true }).waitFor();
    for (const name of ["Add endpoint", "Edit readonly.example.com"])
      expect(await page.getByRole("link", { name }).count()).toBe(0);
    for (const name of ["Test", "Disable", "Delete"])
      expect(await page.getByRole("button", { name: new RegExp(`^${name}`) }).count()).toBe(0);

    await page.getByRole("link", { name: "readonly.example.com", exact: true }).click();
    await card(page, "Signing secret").waitFor();
    for (const name of ["Send test event", "Rotate…", "Disable", "Delete"])
      expect(await page.getByRole("button", { name }).count()).toBe(0);
    await page.getByRole("button", { name: "Reveal" }).click();
    const { key } = await herald.svix.endpoint.getSecret(app.id, endpoint.id);
    await expect
      .poll(() => card(page, "Signing secret").getByLabel("Signing secret").textContent())
      .toBe(key);
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  it("looks right at 1280 px and fits a 390 px phone without sideways scrolling", async () => {
    const target = await receiver();
    const app = await herald.svix.application.create({ name: "Screenshot app" });
    for (const name of ["shipment.sent", "shipment.lost", "shipment.delayed", "shipment.returned"])
      await herald.svix.eventType.create({ name, description: `A ${name}`, groupName: "shipment" });
    const main = await apiPost<{ id: string }>(`/app/${app.id}/endpoint`, {
      url: `${target.url}/warehouse/webhooks/with/a/rather/long/path/that/needs/truncating`,
      name: "Warehouse",
      eventTypes: ["shipment.sent", "shipment.lost", "shipment.delayed", "shipment.returned"],
    });
    await apiPost(`/app/${app.id}/endpoint`, { url: "https://hooks.partner.example.com/in", disabled: true });
    await apiPost(`/app/${app.id}/endpoint`, { url: "https://crm.example.org/webhooks", name: "CRM sync" });
    await apiPost(`/app/${app.id}/endpoint/${main.body.id}/test`, { eventType: "shipment.sent" });

    const wide = await dashboard();
    await wide.page.goto(appUrl(app.id));
    await wide.page.getByRole("link", { name: "Warehouse", exact: true }).waitFor();
    await screenshot(wide.page, "endpoints-table");
    await wide.page.goto(appUrl(app.id, `endpoints/${main.body.id}`));
    await wide.page.getByRole("heading", { name: "Recent attempts" }).waitFor();
    const recent = wide.page.getByRole("table", { name: "Recent attempts" });
    await recent.waitFor();
    expect(await recent.textContent()).toContain("shipment.sent");
    expect(await recent.getByRole("link").first().getAttribute("href")).toMatch(
      new RegExp(`/logs\\?endpoint=${main.body.id}&attempt=msg_\\w+%3Aatmpt_\\w+$`),
    );
    await screenshot(wide.page, "endpoints-detail-wide");
    expect(unexpectedErrors(wide.errors)).toEqual([]);

    const phone = await dashboard({ width: 390, height: 844 });
    const overflow = () => phone.page.evaluate(() => document.documentElement.scrollWidth);
    await phone.page.goto(appUrl(app.id));
    await phone.page.getByRole("link", { name: "Warehouse", exact: true }).waitFor();
    await screenshot(phone.page, "endpoints-table-390");
    expect(await overflow()).toBeLessThanOrEqual(390);
    expect(await phone.page.getByRole("button", { name: "Delete Warehouse" }).isVisible()).toBe(true);

    await phone.page.goto(appUrl(app.id, `endpoints/${main.body.id}/edit`));
    await phone.page.getByLabel("Endpoint URL").waitFor();
    await phone.page.getByRole("button", { name: "Add header" }).click();
    expect(await overflow()).toBeLessThanOrEqual(390);
    await screenshot(phone.page, "endpoints-form-390");

    await phone.page.goto(appUrl(app.id, `endpoints/${main.body.id}`));
    await phone.page.getByRole("table", { name: "Recent attempts" }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(390);
    await screenshot(phone.page, "endpoints-detail-390");
    expect(unexpectedErrors(phone.errors)).toEqual([]);
  });
});
