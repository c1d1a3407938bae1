/**
 * The dashboard's applications list in real Chromium against a real Herald: the empty state, creating an
 * application through the form (client-side and API validation shown next to the fields), search, and the
 * tenant-portal link dialog, whose link opens the portal of that one application.
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

let herald: TestHerald;
let browser: Browser;

beforeAll(async () => {
  [herald, browser] = await Promise.all([startTestHerald(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

const rows = (page: Page) => page.getByRole("region", { name: "Applications" }).locator("tbody tr");

/** The claims of a portal token (JWT), decoded without verification. */
function claimsOf(url: string): Record<string, unknown> {
  const token = new URL(url).hash.replace(/^#token=/, "");
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Seconds from issue to expiry (Herald rounds the expiry up to a whole second, so one more at most). */
const lifetimeOf = (claims: Record<string, unknown>): number => Number(claims["exp"]) - Number(claims["iat"]);

describe("the applications list", () => {
  it("starts empty with how to create one, and creates an application through the form", async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await page.getByRole("heading", { name: "No applications yet" }).waitFor();
      await expect(page.getByText("curl -X POST").isVisible()).resolves.toBe(true);
      await expect(page.getByText('herald.application.create({ name: "Acme Inc."').isVisible()).resolves.toBe(
        true,
      );
      await screenshot(page, "apps-empty");

      await page.getByRole("button", { name: "New application" }).click();
      const dialog = page.getByRole("dialog", { name: "New application" });
      const name = dialog.getByLabel("Name");
      const uid = dialog.getByLabel("UID (optional)");

      // Checked before sending: a name is required, and the uid follows the API's pattern.
      await dialog.getByRole("button", { name: "Create application" }).click();
      await dialog.getByText("Enter a name.").waitFor();
      expect(await name.getAttribute("aria-invalid")).toBe("true");
      await name.fill("Acme Inc.");
      await uid.fill("acme inc");
      await dialog.getByRole("button", { name: "Create application" }).click();
      await dialog.getByText("Only letters, digits, '.', '_' and '-'.").waitFor();
      expect(await uid.getAttribute("aria-invalid")).toBe("true");

      // Only the API knows this rule: its 422 is shown next to the uid field.
      await uid.fill("app_acme");
      await dialog.getByRole("button", { name: "Create application" }).click();
      await dialog.getByText("Uids are not allowed to have the same prefix as the ID").waitFor();
      expect(await uid.getAttribute("aria-invalid")).toBe("true");
      expect(await name.getAttribute("aria-invalid")).toBeNull();
      expect((await herald.svix.application.list()).data).toEqual([]);

      await uid.fill("acme");
      await dialog.getByRole("button", { name: "Create application" }).click();
      await page.waitForURL(/\/dashboard\/apps\/app_[^/]+$/);
      const created = (await herald.svix.application.list()).data;
      expect(created.map((app) => ({ name: app.name, uid: app.uid }))).toEqual([
        { name: "Acme Inc.", uid: "acme" },
      ]);
      expect(page.url()).toContain(`/dashboard/apps/${created[0]?.id}`);

      // A duplicate uid (409) is explained at the uid field too.
      await page
        .getByRole("navigation", { name: "Breadcrumb" })
        .getByRole("link", { name: "Applications" })
        .click();
      await rows(page).first().waitFor();
      await page.getByRole("button", { name: "New application" }).click();
      await dialog.getByLabel("Name").fill("Acme again");
      await dialog.getByLabel("UID (optional)").fill("acme");
      await dialog.getByRole("button", { name: "Create application" }).click();
      await dialog.getByText("An application with this uid already exists.").waitFor();
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "detached" });
      expect(await rows(page).count()).toBe(1);

      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("searches by name, uid and id, and links each application", async () => {
    const beta = await herald.svix.application.create({ name: "Beta Logistics", uid: "beta-logistics" });
    await herald.svix.application.create({ name: "Gamma Health", uid: "gamma" });
    const delta = await herald.svix.application.create({ name: "Delta Foods" });
    const { page, errors, close } = await openPage(browser);
    try {
      await signInToDashboard(page, herald.url, herald.token);
      await rows(page).nth(3).waitFor();
      await page.getByText("4 applications").waitFor();
      // Newest first; each row shows name, uid and id.
      const firstRow = rows(page).first();
      expect(await firstRow.getByRole("link").textContent()).toBe("Delta Foods");
      expect(await firstRow.textContent()).toContain(delta.id);
      await screenshot(page, "apps-list");

      const search = page.getByRole("searchbox", { name: "Search applications" });
      await search.fill("GAMMA");
      await page.getByText("1 of 4 match").waitFor();
      expect(await rows(page).allTextContents()).toEqual([expect.stringContaining("Gamma Health")]);
      expect(page.url()).toContain("q=GAMMA");

      await search.fill("beta-log");
      await page.getByText("1 of 4 match").waitFor();
      expect(await rows(page).first().getByRole("link").textContent()).toBe("Beta Logistics");

      await search.fill(delta.id);
      await page.getByText("1 of 4 match").waitFor();
      expect(await rows(page).first().getByRole("link").textContent()).toBe("Delta Foods");

      await search.fill("no such tenant");
      await page.getByRole("heading", { name: "No application matches “no such tenant”" }).waitFor();
      await page.getByRole("button", { name: "Clear search" }).click();
      await page.getByText("4 applications").waitFor();
      expect(await search.inputValue()).toBe("");

      // The name is a real link to the application (middle-click opens a tab).
      const link = page.getByRole("link", { name: "Beta Logistics" });
      expect(await link.getAttribute("href")).toBe(`/dashboard/apps/${beta.id}`);
      await link.click();
      await page.waitForURL(`${herald.url}/dashboard/apps/${beta.id}`);
      await page.getByRole("navigation", { name: "Breadcrumb" }).getByText("Beta Logistics").waitFor();

      // At phone width the table still works (it scrolls inside its card).
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${herald.url}/dashboard`);
      await rows(page).nth(3).waitFor();
      await screenshot(page, "apps-list-390");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);

      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("creates a tenant-portal link to copy or open, with its expiry and options", async () => {
    const tenant = await herald.svix.application.create({ name: "Portal Tenant", uid: "portal-tenant" });
    const { page, context, errors, close } = await openPage(browser);
    try {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: herald.url });
      await signInToDashboard(page, herald.url, herald.token);
      await page.getByRole("button", { name: "Tenant portal for Portal Tenant" }).click();
      const dialog = page.getByRole("dialog", { name: "Tenant portal: Portal Tenant" });
      const linkField = dialog.getByLabel("Portal link");
      await linkField.waitFor();
      const url = await linkField.inputValue();
      expect(url).toMatch(new RegExp(`^${herald.url}/portal#token=`));
      const claims = claimsOf(url);
      expect(claims["sub"]).toBe(tenant.id);
      expect(claims["ro"]).toBeUndefined();
      // Default: 7 days, and the dialog says until when.
      expect(lifetimeOf(claims) - 7 * 24 * 3600).toBeLessThanOrEqual(1);
      await dialog.getByText("Valid until").waitFor();
      await screenshot(page, "apps-portal-link");

      await dialog.getByRole("button", { name: "Copy link" }).click();
      await dialog.getByRole("button", { name: "Copied" }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

      const open = dialog.getByRole("link", { name: "Open portal" });
      expect(await open.getAttribute("href")).toBe(url);
      expect(await open.getAttribute("target")).toBe("_blank");

      // Options make a new link: read-only, one hour.
      await dialog.getByLabel("Read-only").check();
      await dialog.getByLabel("Expires after").selectOption({ label: "1 hour" });
      await expect
        .poll(async () => {
          const current = await linkField.inputValue().catch(() => "");
          if (current === "" || current === url) return null;
          const next = claimsOf(current);
          return { ro: next["ro"], oneHour: Math.abs(lifetimeOf(next) - 3600) <= 1 };
        })
        .toEqual({ ro: true, oneHour: true });

      // The link opens that application's portal in a new tab, with no other sign-in.
      const [portal] = await Promise.all([context.waitForEvent("page"), open.click()]);
      await portal.getByRole("navigation", { name: "Application sections" }).waitFor();
      expect(portal.url()).toBe(`${herald.url}/portal`);
      await portal.close();

      await dialog.getByRole("button", { name: "Done" }).click();
      await dialog.waitFor({ state: "detached" });
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("says so, with a retry, when Herald cannot be reached", async () => {
    const doomed = await startTestHerald();
    const { page, errors, close } = await openPage(browser);
    try {
      await signInToDashboard(page, doomed.url, doomed.token);
      await page.getByRole("heading", { name: "No applications yet" }).waitFor();
      await page.getByRole("link", { name: "Event catalog" }).click();
      await page.getByRole("heading", { name: "Event catalog" }).waitFor();
      await doomed.stop();
      // Client-side navigation: the page stays, the list's request fails.
      await page.getByRole("link", { name: "Applications" }).click();
      const alert = page.getByRole("alert");
      await alert.getByText("Herald could not be reached").waitFor();
      await alert.getByRole("button", { name: "Try again" }).waitFor();
      // The browser logs the refused connection itself; nothing else may go wrong.
      expect(unexpectedErrors(errors).filter((error) => !/ERR_CONNECTION_REFUSED/.test(error))).toEqual([]);
    } finally {
      await close();
      await doomed.stop();
    }
  });
});
