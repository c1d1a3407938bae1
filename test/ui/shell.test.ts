import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchBrowser,
  openPage,
  screenshot,
  signInToDashboard,
  unexpectedErrors,
} from "../helpers/browser.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let browser: Browser;

beforeAll(async () => {
  [herald, browser] = await Promise.all([startTestHerald(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

describe("the UI shell", () => {
  it("serves the app with a strict CSP; the dashboard cannot be framed, the portal can", async () => {
    const dashboard = await fetch(`${herald.url}/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get("content-type")).toContain("text/html");
    const csp = dashboard.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await dashboard.text();
    expect(html).toContain('<meta name="herald-ui"');

    const portal = await fetch(`${herald.url}/portal/endpoints`);
    expect(portal.status).toBe(200);
    expect(portal.headers.get("content-security-policy")).toContain("frame-ancestors *");

    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${herald.url}${script}`, { headers: { "accept-encoding": "gzip" } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${herald.url}/ui/assets/missing.js`)).status).toBe(404);
  });

  it("asks for the admin token, refuses a wrong one, and keeps a good one only in session storage", async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${herald.url}/dashboard`);
      await page.getByLabel("Admin token").fill("not-the-token-at-all");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("This token was not accepted").waitFor();
      await screenshot(page, "sign-in");

      await signInToDashboard(page, herald.url, herald.token);
      expect(page.url()).not.toContain(herald.token);
      // Evaluated in the page (the test's own tsconfig has no DOM types).
      const stored = await page.evaluate(
        `({ session: sessionStorage.getItem("herald.adminToken"), local: Object.keys(localStorage).length })`,
      );
      expect(stored).toEqual({ session: herald.token, local: 0 });

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Admin token").waitFor();
      expect(await page.evaluate(`sessionStorage.getItem("herald.adminToken")`)).toBeNull();
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });
});
