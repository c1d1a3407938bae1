/**
 * The delivery log in a real browser against a real Herald and real receivers: live updates, the detail view,
 * retries of a failing endpoint, Retry and Recover from the UI, filters kept in the URL, the read-only portal,
 * and the phone layout. Retries run on a 1 s schedule so a failing delivery exhausts them within the test.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchBrowser,
  openPage,
  screenshot,
  signInToDashboard,
  unexpectedErrors,
} from "../helpers/browser.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { rawCall } from "../helpers/raw-api.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";

let herald: TestHerald;
let browser: Browser;
let healthy: Receiver;
let flaky: Receiver;
/** What the flaky receiver answers: 500 while true. */
let flakyFails = true;
let appId: string;
let healthyId: string;
let flakyId: string;

async function createEndpoint(body: Record<string, unknown>): Promise<string> {
  const created = await rawCall(herald, "POST", `/api/v1/app/${appId}/endpoint`, { body });
  expect(created.status).toBe(201);
  return (created.json as { id: string }).id;
}

async function sendMessage(eventType: string, payload: Record<string, unknown>): Promise<string> {
  const message = await herald.svix.message.create(appId, { eventType, payload });
  return message.id;
}

const logUrl = (query = "") => `${herald.url}/dashboard/apps/${appId}/logs${query}`;
const logRows = (page: Page) => page.getByRole("table").locator("tbody tr");

beforeAll(async () => {
  [herald, browser, healthy, flaky] = await Promise.all([
    startTestHerald({ config: { retrySchedule: [1, 1], deliveryPollMs: 100 } }),
    launchBrowser(),
    startReceiver(() => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: '{"received":true}',
    })),
    startReceiver(() =>
      flakyFails ? { status: 500, body: "database unavailable" } : { status: 200, body: "ok, thanks" },
    ),
  ]);
  appId = (await herald.svix.application.create({ name: "Shop" })).id;
  for (const name of ["order.created", "invoice.paid"]) {
    await herald.svix.eventType.create({ name, description: `${name} happened` });
  }
  healthyId = await createEndpoint({ url: `${healthy.url}/hooks`, name: "Healthy receiver" });
  flakyId = await createEndpoint({
    url: `${flaky.url}/hooks`,
    name: "Flaky receiver",
    eventTypes: ["invoice.paid"],
  });
});

afterAll(async () => {
  await browser?.close();
  await healthy?.close();
  await flaky?.close();
  await herald?.stop();
});

describe("the delivery log", () => {
  it("shows a new delivery without a reload, and its request headers and body in the detail view", async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await page.goto(logUrl());
      await page.getByText("No deliveries yet").waitFor();
      // A marker on the window survives only if the page is never reloaded.
      await page.evaluate(() => Object.assign(window, { heraldNoReload: true }));

      const msgId = await sendMessage("order.created", { orderId: "ord_1001", total: 4200 });
      await healthy.waitFor(1);
      const row = logRows(page).filter({ hasText: "Healthy receiver" });
      await row.waitFor();
      await expect.poll(() => row.getByText("200", { exact: true }).count()).toBe(1);
      await expect.poll(() => row.textContent()).toContain("Succeeded");
      expect(await row.textContent()).toContain("order.created");
      expect(await row.textContent()).toContain('{"received":true}');
      expect(await page.evaluate(() => (window as { heraldNoReload?: boolean }).heraldNoReload)).toBe(true);
      await screenshot(page, "logs-list");

      await row.getByRole("link").first().click();
      const dialog = page.getByRole("dialog", { name: "Delivery attempt" });
      await dialog.waitFor();
      expect(new URL(page.url()).searchParams.get("attempt")).toMatch(new RegExp(`^${msgId}:atmpt_`));
      const headers = dialog
        .getByRole("region", { name: "Request headers" })
        .or(dialog.getByLabel("Request headers"));
      await headers.first().waitFor();
      const headerText = (await headers.first().textContent()) ?? "";
      expect(headerText).toContain(`webhook-id: ${msgId}`);
      expect(headerText).toContain("webhook-signature: v1,");
      expect(headerText).toContain("webhook-timestamp:");
      const body = dialog.getByLabel("Request body");
      await body.waitFor();
      expect(JSON.parse((await body.textContent()) ?? "")).toEqual({ orderId: "ord_1001", total: 4200 });
      expect(await dialog.getByLabel("Response body").textContent()).toContain('"received": true');
      await screenshot(page, "logs-detail");
      await dialog
        .getByRole("heading", { name: "Attempts of this message to this endpoint" })
        .scrollIntoViewIfNeeded();
      await screenshot(page, "logs-detail-response");

      // The detail is a deep link: a reload reopens it.
      await page.reload();
      await page.getByRole("dialog", { name: "Delivery attempt" }).getByLabel("Request body").waitFor();
      await page.getByRole("button", { name: "Close" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      expect(new URL(page.url()).searchParams.get("attempt")).toBeNull();
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows a failing endpoint's retries until none are left, and Retry re-delivers it", async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await page.goto(logUrl());
      await page.getByRole("table").waitFor();

      await sendMessage("invoice.paid", { invoiceId: "inv_7" });
      const flakyRows = logRows(page).filter({ hasText: "Flaky receiver" });
      // Attempt 1 is followed by two retries a second apart; the last says there are no more.
      await expect.poll(() => flakyRows.count(), { timeout: 10_000 }).toBe(3);
      for (const n of [1, 2, 3]) await flakyRows.filter({ hasText: `Attempt ${n}` }).waitFor();
      const last = flakyRows.filter({ hasText: "Attempt 3" });
      await last.getByText("Failed, no more retries").waitFor();
      expect(await last.getByText("500", { exact: true }).count()).toBe(1);
      expect(await flakyRows.filter({ hasText: "Attempt 1" }).textContent()).toMatch(
        /Next attempt|Retry due/,
      );
      expect(await last.textContent()).toContain("database unavailable");
      expect(flaky.requests).toHaveLength(3);

      flakyFails = false;
      await last.getByRole("link").first().click();
      const dialog = page.getByRole("dialog", { name: "Delivery attempt" });
      await dialog.getByRole("button", { name: "Retry" }).click();
      await page.getByText("Retry queued").waitFor();
      await flaky.waitFor(4);
      // The new attempt shows up in the dialog's list of attempts and, behind it, in the log.
      await dialog.getByText("Attempt 1 · manual").waitFor();
      await page.getByRole("button", { name: "Close" }).click();
      const manual = flakyRows.filter({ hasText: "manual" });
      await manual.waitFor();
      expect(await manual.getByText("200", { exact: true }).count()).toBe(1);
      expect(await manual.textContent()).toContain("Succeeded");
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("filters by endpoint and status in the URL, and recovers an endpoint's failed messages", async () => {
    flakyFails = true;
    const failedIds = [await sendMessage("invoice.paid", { invoiceId: "inv_8" })];
    failedIds.push(await sendMessage("invoice.paid", { invoiceId: "inv_9" }));
    await sendMessage("order.created", { orderId: "ord_1002" });
    const { page, errors, close } = await openPage(browser);
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await page.goto(logUrl());
      await page.getByRole("table").waitFor();

      await page.getByLabel("Endpoint", { exact: true }).selectOption({ label: "Flaky receiver" });
      await expect.poll(() => new URL(page.url()).searchParams.get("endpoint")).toBe(flakyId);
      await page.getByLabel("Status", { exact: true }).selectOption({ label: "Failed" });
      await expect.poll(() => new URL(page.url()).searchParams.get("status")).toBe("failed");
      // 3 attempts of inv_7, then 3 each of inv_8 and inv_9: only failures, only the flaky endpoint.
      await expect.poll(() => logRows(page).count(), { timeout: 10_000 }).toBe(9);
      const texts = await logRows(page).allTextContents();
      expect(texts.every((text) => text.includes("Flaky receiver") && text.includes("500"))).toBe(true);

      await page.reload();
      await page.getByRole("table").waitFor();
      expect(await page.getByLabel("Endpoint", { exact: true }).inputValue()).toBe(flakyId);
      expect(await page.getByLabel("Status", { exact: true }).inputValue()).toBe("failed");
      await expect.poll(() => logRows(page).count()).toBe(9);
      await expect.poll(() => logRows(page).filter({ hasText: "Failed, no more retries" }).count()).toBe(3);

      // Narrowing further by status code class: no 2xx failures.
      await page.getByLabel("HTTP status").selectOption({ label: "2xx" });
      await page.getByText("No deliveries match these filters").waitFor();
      await page.getByLabel("HTTP status").selectOption({ label: "Any" });
      await expect.poll(() => logRows(page).count()).toBe(9);
      // The flaky endpoint subscribes to invoice.paid only; and nothing was sent in the future.
      await page.getByLabel("Event type").selectOption("order.created");
      await page.getByText("No deliveries match these filters").waitFor();
      await page.getByLabel("Event type").selectOption("invoice.paid");
      await expect.poll(() => logRows(page).count()).toBe(9);
      await page.getByLabel("From").fill("2099-01-01T00:00");
      await expect.poll(() => new URL(page.url()).searchParams.get("from")).toBe("2099-01-01T00:00");
      await page.getByText("No deliveries match these filters").waitFor();
      await page.getByLabel("From").fill("");
      await expect.poll(() => logRows(page).count()).toBe(9);

      flakyFails = false;
      const before = flaky.requests.length;
      await page.getByRole("button", { name: "Recover failed messages" }).click();
      const dialog = page.getByRole("dialog", { name: "Recover failed messages" });
      expect(await dialog.getByLabel("Endpoint").inputValue()).toBe(flakyId);
      await dialog.getByLabel("Failed during").selectOption({ label: "The last hour" });
      await dialog.getByRole("button", { name: "Recover" }).click();
      await page.getByText("Recovery started").waitFor();
      const received = await flaky.waitFor(before + 2);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // inv_7 already succeeded through Retry: only the two still-failed messages are sent again.
      const resent = received.slice(before).map((request) => request.headers["webhook-id"]);
      expect(resent.sort()).toEqual([...failedIds].sort());

      await page.getByLabel("Status", { exact: true }).selectOption({ label: "Succeeded" });
      await expect.poll(() => logRows(page).count(), { timeout: 10_000 }).toBe(3);
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("pages back through older deliveries, pausing live updates until back to the latest", async () => {
    const before = healthy.requests.length;
    for (let i = 0; i < 55; i++) await sendMessage("order.created", { orderId: `bulk_${i}` });
    await healthy.waitFor(before + 55, 15_000);
    const { page, errors, close } = await openPage(browser);
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await page.goto(logUrl(`?endpoint=${healthyId}`));
      await expect.poll(() => logRows(page).count()).toBe(50);
      await page.getByText("Live: new attempts appear automatically").waitFor();
      await page.getByRole("button", { name: "Load older deliveries" }).click();
      await expect.poll(() => logRows(page).count()).toBeGreaterThan(50);
      await page.getByText("Live updates are paused").waitFor();
      const ids = await logRows(page).evaluateAll((rows) =>
        rows.map((row) => row.getAttribute("data-attempt-id")),
      );
      expect(new Set(ids).size).toBe(ids.length);
      expect(await page.getByRole("button", { name: "Load older deliveries" }).count()).toBe(0);
      await page.getByRole("button", { name: "Back to latest" }).click();
      await expect.poll(() => logRows(page).count()).toBe(50);
      await page.getByText("Live: new attempts appear automatically").waitFor();
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("offers no retry or recovery in a read-only portal", async () => {
    const access = await rawCall(herald, "POST", `/api/v1/auth/app-portal-access/${appId}`, {
      body: { readOnly: true },
    });
    expect(access.status).toBe(200);
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto((access.json as { url: string }).url);
      // The portal takes the token out of the address bar as it stores it, when React first renders, which may be
      // after the load event: navigating on before that would leave the next page without a token.
      await page.waitForURL((url) => !url.hash.includes("token="));
      await page.goto(`${herald.url}/portal/logs?endpoint=${healthyId}`);
      await logRows(page).first().waitFor();
      expect(await page.getByRole("button", { name: /Recover/ }).count()).toBe(0);
      await logRows(page).first().getByRole("link").first().click();
      const dialog = page.getByRole("dialog", { name: "Delivery attempt" });
      await dialog.getByLabel("Request body").waitFor();
      expect(await dialog.getByRole("button", { name: "Retry" }).count()).toBe(0);
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("lays the log out as cards at phone width", async () => {
    await sendMessage("order.created", { orderId: "ord_1003" });
    const { page, errors, close } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await page.goto(logUrl());
      await logRows(page).first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await logRows(page).first().getByRole("link").first().isVisible()).toBe(true);
      await screenshot(page, "logs-list-390");
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });
});
