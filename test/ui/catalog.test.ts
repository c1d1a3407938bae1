/**
 * The event catalog in real Chromium against a real Herald: creating an event type with a JSON Schema and an
 * example through the form (JSON checked as it is typed), editing it, its sample one click away (the catalog
 * example, or one generated from the schema), archive and unarchive; and the same catalog read-only in a
 * tenant's portal.
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

const SCHEMA = {
  type: "object",
  required: ["id", "amount"],
  properties: {
    id: { type: "string" },
    amount: { type: "integer", minimum: 1 },
    paidAt: { type: "string", format: "date-time" },
  },
};
const EXAMPLE = { id: "in_123", amount: 4200, paidAt: "2025-05-01T12:00:00Z" };

const item = (page: Page, name: string) => page.getByRole("listitem", { name, exact: true });

/** The JSON a CodeBlock shows. */
async function codeJson(page: Page, label: string): Promise<unknown> {
  const text = await page.getByRole("dialog").getByLabel(label, { exact: true }).textContent();
  return JSON.parse(text ?? "");
}

async function openCatalog(page: Page): Promise<void> {
  await signInToDashboard(page, herald.url, herald.token);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Event catalog" }).click();
  await page.getByRole("heading", { name: "Event catalog", level: 1 }).waitFor();
}

describe("the event catalog", () => {
  it("creates an event type with a schema and an example, shows its sample, and edits it", async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await openCatalog(page);
      await page.getByRole("heading", { name: "No event types yet" }).waitFor();
      await page.getByRole("button", { name: "New event type" }).first().click();
      const dialog = page.getByRole("dialog", { name: "New event type" });

      // Client-side checks: the API's name pattern, and JSON as it is typed.
      await dialog.getByLabel("Name").fill("invoice paid!");
      await dialog.getByLabel("JSON Schema (optional)").fill('{"type": "object",');
      await dialog.getByText("Not valid JSON").waitFor();
      await dialog.getByLabel("JSON Schema (optional)").fill("[1, 2]");
      await dialog.getByText("A JSON Schema must be a JSON object").waitFor();
      await dialog.getByLabel("JSON Schema (optional)").fill(JSON.stringify(SCHEMA));
      await dialog.getByText("Valid JSON Schema object.").waitFor();
      await dialog.getByRole("button", { name: "Format schema" }).click();
      expect(await dialog.getByLabel("JSON Schema (optional)").inputValue()).toBe(
        JSON.stringify(SCHEMA, null, 2),
      );

      await dialog.getByRole("button", { name: "Add example" }).click();
      await dialog.getByLabel("Example 1", { exact: true }).fill("not json");
      await dialog.getByText("Not valid JSON").waitFor();
      await dialog.getByLabel("Example 1", { exact: true }).fill(JSON.stringify(EXAMPLE));
      await dialog.getByLabel("Description").fill("An invoice was paid in full.");
      await dialog.getByLabel("Group (optional)").fill("billing");
      await screenshot(page, "catalog-form");

      await dialog.getByRole("button", { name: "Create event type" }).click();
      await dialog.getByText("Names may use only letters, digits").waitFor();
      expect(await herald.svix.eventType.list()).toMatchObject({ data: [] });

      await dialog.getByLabel("Name").fill("invoice.paid");
      await dialog.getByRole("button", { name: "Create event type" }).click();
      await dialog.waitFor({ state: "detached" });
      const stored = await herald.svix.eventType.get("invoice.paid");
      expect(stored).toMatchObject({
        description: "An invoice was paid in full.",
        groupName: "billing",
        deprecated: false,
        schemas: { "1": { ...SCHEMA, examples: [EXAMPLE] } },
      });
      const billing = page.getByRole("region", { name: "billing" });
      await billing.getByRole("listitem", { name: "invoice.paid" }).waitFor();
      expect(await item(page, "invoice.paid").textContent()).toContain("JSON Schema · 1 example");

      // A name that exists is refused by the API (409) and explained at the name field.
      await page.getByRole("button", { name: "New event type" }).click();
      await dialog.getByLabel("Name").fill("invoice.paid");
      await dialog.getByRole("button", { name: "Create event type" }).click();
      await dialog.getByText("An event type with this name already exists.").waitFor();
      expect(await dialog.getByLabel("Name").getAttribute("aria-invalid")).toBe("true");
      await dialog.getByRole("button", { name: "Cancel" }).click();

      // The sample is one click away: the catalog's example, pretty-printed.
      await page.getByRole("button", { name: "Sample payload of invoice.paid" }).click();
      const sample = page.getByRole("dialog", { name: "Sample: invoice.paid" });
      await sample.getByText("Catalog example").waitFor();
      expect(await codeJson(page, "Payload (JSON)")).toEqual(EXAMPLE);
      expect(await sample.getByLabel("Payload (JSON)", { exact: true }).textContent()).toBe(
        JSON.stringify(EXAMPLE, null, 2),
      );
      await screenshot(page, "catalog-sample");
      await sample.getByRole("button", { name: "Close" }).click();
      await sample.waitFor({ state: "detached" });

      // Edit: a new description, deprecated, and the example removed: the sample is now generated.
      await page.getByRole("button", { name: "Edit invoice.paid" }).click();
      const edit = page.getByRole("dialog", { name: "Edit invoice.paid" });
      expect(await edit.getByLabel("Name").getAttribute("readonly")).not.toBeNull();
      expect(JSON.parse(await edit.getByLabel("Example 1", { exact: true }).inputValue())).toEqual(EXAMPLE);
      expect(JSON.parse(await edit.getByLabel("JSON Schema (optional)").inputValue())).toEqual(SCHEMA);
      await edit.getByLabel("Description").fill("An invoice was paid.");
      await edit.getByLabel("Deprecated").check();
      await edit.getByRole("button", { name: "Remove example 1" }).click();
      await edit.getByRole("button", { name: "Save changes" }).click();
      await edit.waitFor({ state: "detached" });
      await item(page, "invoice.paid").getByText("An invoice was paid.", { exact: true }).waitFor();
      await item(page, "invoice.paid").getByText("Deprecated").waitFor();
      expect(await herald.svix.eventType.get("invoice.paid")).toMatchObject({
        description: "An invoice was paid.",
        deprecated: true,
        schemas: { "1": SCHEMA },
      });

      await page.getByRole("button", { name: "Sample payload of invoice.paid" }).click();
      await sample.getByText("Generated from the schema").waitFor();
      expect(await codeJson(page, "Payload (JSON)")).toEqual({
        id: "string",
        amount: 1,
        paidAt: "2025-01-01T00:00:00Z",
      });
      await sample.getByRole("button", { name: "Close" }).click();

      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("groups and searches the catalog, picks among several examples, archives and unarchives", async () => {
    await herald.svix.eventType.create({
      name: "user.created",
      description: "A user signed up",
      groupName: "users",
      schemas: { "1": { type: "object", examples: [{ user: "ada" }, { user: "grace" }] } },
    });
    await herald.svix.eventType.create({
      name: "user.deleted",
      description: "A user left",
      groupName: "users",
    });
    await herald.svix.eventType.create({ name: "misc.note", description: "Ungrouped" });
    const { page, errors, close } = await openPage(browser);
    try {
      await openCatalog(page);
      await item(page, "misc.note").waitFor();
      const headings = await page.locator(".catalog-group h2").allTextContents();
      expect(headings).toEqual(["billing", "users", "Other events"]);
      const users = page.getByRole("region", { name: "users" });
      expect(
        await users.getByRole("listitem").evaluateAll((items) => items.map((li) => li.ariaLabel)),
      ).toEqual(["user.created", "user.deleted"]);
      await screenshot(page, "catalog");
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, "catalog-390");
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
      await page.setViewportSize({ width: 1280, height: 800 });

      // Several examples: pick the second.
      await page.getByRole("button", { name: "Sample payload of user.created" }).click();
      const sample = page.getByRole("dialog", { name: "Sample: user.created" });
      expect(await codeJson(page, "Payload (JSON)")).toEqual({ user: "ada" });
      await sample.getByLabel("Example", { exact: true }).selectOption({ label: "Example 2 of 2" });
      await expect.poll(() => codeJson(page, "Payload (JSON)").catch(() => null)).toEqual({ user: "grace" });
      await sample.getByRole("button", { name: "Close" }).click();

      // No schema, no example: the sample says so.
      await page.getByRole("button", { name: "Sample payload of user.deleted" }).click();
      await page.getByRole("dialog", { name: "Sample: user.deleted" }).getByText("No schema").waitFor();
      expect(await codeJson(page, "Payload (JSON)")).toEqual({});
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });

      const search = page.getByRole("searchbox", { name: "Search event types" });
      await search.fill("signed up");
      await page.getByText("1 of 4 match").waitFor();
      expect(await page.locator(".catalog-item").count()).toBe(1);
      await search.fill("");

      // Archive asks first; the archived type leaves the list and comes back with "Show archived".
      await page.getByRole("button", { name: "Archive user.deleted" }).click();
      const confirm = page.getByRole("dialog", { name: "Archive user.deleted?" });
      await confirm.getByRole("button", { name: "Archive" }).click();
      await confirm.waitFor({ state: "detached" });
      await item(page, "user.deleted").waitFor({ state: "detached" });
      expect((await herald.svix.eventType.get("user.deleted")).archived).toBe(true);

      await page.getByLabel("Show archived").check();
      await item(page, "user.deleted").getByText("Archived").waitFor();
      expect(page.url()).toContain("archived=1");
      await page.getByRole("button", { name: "Unarchive user.deleted" }).click();
      await expect.poll(async () => (await herald.svix.eventType.get("user.deleted")).archived).toBe(false);
      await item(page, "user.deleted").getByText("Archived").waitFor({ state: "detached" });

      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("is read-only in a tenant's portal, with samples", async () => {
    const app = await herald.svix.application.create({ name: "Catalog Tenant" });
    const { url } = await herald.svix.authentication.appPortalAccess(app.id, {});
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(url);
      await page
        .getByRole("navigation", { name: "Application sections" })
        .getByRole("link", {
          name: "Event catalog",
        })
        .click();
      await item(page, "user.created").waitFor();
      // Archived types are not offered to tenants.
      await herald.svix.eventType.delete("misc.note");
      await page.reload();
      await item(page, "user.created").waitFor();
      expect(await item(page, "misc.note").count()).toBe(0);
      expect(await page.getByRole("button", { name: /New event type|Edit|Archive/ }).count()).toBe(0);
      expect(await page.getByLabel("Show archived").count()).toBe(0);

      await page.getByRole("button", { name: "Sample payload of user.created" }).click();
      expect(await codeJson(page, "Payload (JSON)")).toEqual({ user: "ada" });
      await screenshot(page, "catalog-portal");
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });
});
