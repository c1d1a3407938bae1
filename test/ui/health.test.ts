/**
 * The health view in a real browser against a real Herald: after real deliveries (successes to one receiver,
 * failures to another, no retries so every count is exact) the tiles, the charts, the event-type distribution
 * and the endpoint table show the right figures, and the endpoint and window pickers narrow them.
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
import { delay, startReceiver, type Receiver } from "../helpers/receiver.js";
import { labelledIndexes, niceTicks } from "../../ui/src/views/health/chart-scale.js";

let herald: TestHerald;
let browser: Browser;
let good: Receiver;
let bad: Receiver;
let appId: string;
let badId: string;

interface Totals {
  successes: number;
  failures: number;
}

async function createEndpoint(body: Record<string, unknown>): Promise<string> {
  const created = await rawCall(herald, "POST", `/api/v1/app/${appId}/endpoint`, { body });
  expect(created.status).toBe(201);
  return (created.json as { id: string }).id;
}

const tile = (page: Page, name: string) => page.getByRole("group", { name, exact: true });

beforeAll(async () => {
  [herald, browser, good, bad] = await Promise.all([
    startTestHerald({ config: { retrySchedule: [], deliveryPollMs: 100 } }),
    launchBrowser(),
    startReceiver(() => ({ status: 200, body: "ok" })),
    startReceiver(() => ({ status: 500, body: "down" })),
  ]);
  appId = (await herald.svix.application.create({ name: "Billing" })).id;
  for (const name of ["order.created", "invoice.paid"])
    await herald.svix.eventType.create({ name, description: name });
  await createEndpoint({ url: good.url, name: "Good receiver" });
  badId = await createEndpoint({ url: bad.url, name: "Bad receiver", eventTypes: ["invoice.paid"] });

  // 4 × order.created to Good only; 2 × invoice.paid to both: 6 successes, 2 failures.
  for (let i = 0; i < 4; i++) {
    await herald.svix.message.create(appId, { eventType: "order.created", payload: { n: i } });
  }
  for (let i = 0; i < 2; i++) {
    await herald.svix.message.create(appId, { eventType: "invoice.paid", payload: { n: i } });
  }
  await Promise.all([good.waitFor(6), bad.waitFor(2)]);
  // The counters are written with each outcome batch: wait until the API reports them all.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stats = await rawCall(herald, "GET", `/api/v1/app/${appId}/stats`);
    const { totals } = stats.json as { totals: Totals };
    if (totals.successes === 6 && totals.failures === 2) break;
    if (Date.now() > deadline) throw new Error(`stats never reached 6/2: ${JSON.stringify(totals)}`);
    await delay(100);
  }
});

afterAll(async () => {
  await browser?.close();
  await good?.close();
  await bad?.close();
  await herald?.stop();
});

describe("the health view", () => {
  it("shows the application's counts, rate, charts and event types, and narrows to one endpoint", async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await page.goto(`${herald.url}/dashboard/apps/${appId}/health`);

      await expect.poll(() => tile(page, "Success rate").textContent()).toContain("75.0%");
      expect(await tile(page, "Successful attempts").textContent()).toContain("6");
      expect(await tile(page, "Failed attempts").textContent()).toContain("2");
      expect(await tile(page, "Average response time").textContent()).toMatch(/\d+ ms/);
      expect(await tile(page, "p95 response time").textContent()).toMatch(/\d+ ms/);

      // The charts: stacked bars with both series, response-time lines or points, the event-type bars.
      const charts = page.locator("svg[role=img]");
      expect(await charts.count()).toBe(3);
      const bars = page.getByRole("img", {
        name: /Successful and failed attempts .*6 succeeded and 2 failed/,
      });
      expect(await bars.locator("rect.chart-bar[data-series=Succeeded]").count()).toBeGreaterThan(0);
      expect(await bars.locator("rect.chart-bar[data-series=Failed]").count()).toBeGreaterThan(0);
      const times = page.getByRole("img", { name: /Response time of attempts/ });
      expect(
        await times.locator("[data-series=Average] circle, [data-series=Average] path").count(),
      ).toBeGreaterThan(0);
      expect(await times.locator("[data-series=p95] circle").count()).toBeGreaterThan(0);
      const eventTypes = page.getByRole("img", { name: /by event type: order\.created 4, invoice\.paid 2/ });
      expect(await eventTypes.locator("rect.chart-bar").count()).toBe(2);
      expect(await eventTypes.textContent()).toContain("order.created");

      // Each chart's figures are also a table.
      await page.getByText("Show the data as a table").first().click();
      const table = page
        .getByRole("table")
        .filter({ has: page.getByRole("columnheader", { name: "Failed" }) })
        .first();
      expect(await table.locator("tbody tr").count()).toBeGreaterThan(0);

      // The endpoint table: one row per endpoint with its own rate.
      const goodRow = page
        .getByRole("row")
        .filter({ has: page.getByRole("rowheader", { name: "Good receiver" }) });
      const badRow = page
        .getByRole("row")
        .filter({ has: page.getByRole("rowheader", { name: "Bad receiver" }) });
      expect(await goodRow.textContent()).toContain("100%");
      expect(await badRow.textContent()).toContain("0%");
      expect(await badRow.textContent()).toContain("500");
      await screenshot(page, "health");

      await page.getByLabel("Endpoint", { exact: true }).selectOption({ label: "Bad receiver" });
      await expect.poll(() => new URL(page.url()).searchParams.get("endpoint")).toBe(badId);
      await expect.poll(() => tile(page, "Success rate").textContent()).toContain("0%");
      expect(await tile(page, "Successful attempts").textContent()).toContain("0");
      expect(await tile(page, "Failed attempts").textContent()).toContain("2");
      await page.getByRole("img", { name: /attempts to Bad receiver .*0 succeeded and 2 failed/ }).waitFor();

      await page.getByLabel("Last hour").check();
      await expect.poll(() => new URL(page.url()).searchParams.get("window")).toBe("1h");
      await page.getByRole("img", { name: /over the last hour: 0 succeeded and 2 failed/ }).waitFor();
      expect(await tile(page, "Failed attempts").textContent()).toContain("2");

      await page.emulateMedia({ colorScheme: "dark" });
      await screenshot(page, "health-dark");

      // At phone width the charts redraw to the narrower width instead of overflowing the page.
      await page.setViewportSize({ width: 390, height: 844 });
      await expect
        .poll(() => page.locator("svg[role=img]").first().getAttribute("viewBox"))
        .toMatch(/^0 0 3\d\d 220$/);
      await screenshot(page, "health-390");
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("says so when the window has no deliveries", async () => {
    const empty = (await herald.svix.application.create({ name: "Quiet" })).id;
    const { page, errors, close } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await page.goto(`${herald.url}/dashboard/apps/${empty}/health?window=7d`);
      await page.getByText("No deliveries in the last 7 days").waitFor();
      expect(await page.locator("svg[role=img]").count()).toBe(0);
      await page.getByText("No endpoints yet").waitFor();
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe("the charts' axes", () => {
  it("use round ticks that reach the largest value", () => {
    expect(niceTicks(8, 4, true)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(27, 4, true)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(2, 4, true)).toEqual([0, 1, 2]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it("label as many buckets as fit, always the newest", () => {
    const labelled = labelledIndexes(48, 480, 60);
    expect(labelled.size).toBe(8);
    expect(labelled.has(47)).toBe(true);
    expect(labelled.has(46)).toBe(false);
    expect(labelledIndexes(3, 1000, 60)).toEqual(new Set([0, 1, 2]));
  });
});
