/**
 * The tenant portal in real Chromium against a real Herald, entered the way a platform hands it out: the `url`
 * of `authentication.appPortalAccess`. It shows one application with no other sign-in, keeps its token out of
 * every URL, cannot reach another application, expires, honours read-only tokens and theming, and can be
 * embedded in an iframe of another origin only as `HERALD_PORTAL_FRAME_ANCESTORS` allows (the dashboard never).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage, screenshot, unexpectedErrors } from "../helpers/browser.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { delay } from "../helpers/receiver.js";

let herald: TestHerald;
let browser: Browser;
/** Another origin (its own port on 127.0.0.1) that embeds pages in an iframe and serves a logo. */
let embedder: { url: string; server: Server };
let appA: { id: string; endpointUrl: string };
let appB: { id: string; endpointUrl: string };

const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="24"><rect width="80" height="24" fill="#0a0"/></svg>';

async function startEmbedder(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/logo.svg") {
      response.writeHead(200, { "content-type": "image/svg+xml" }).end(LOGO_SVG);
      return;
    }
    // `/embed?src=…`: a platform's page with the portal in an iframe.
    const src = (url.searchParams.get("src") ?? "").replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    response
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(
        `<!doctype html><title>Platform</title><h1>Our platform</h1>` +
          `<iframe src="${src}" title="Webhooks" width="1100" height="700"></iframe>`,
      );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function appWithEndpoint(target: TestHerald, name: string, endpointUrl: string) {
  const app = await target.svix.application.create({ name });
  await target.svix.endpoint.create(app.id, { url: endpointUrl, description: `${name} endpoint` });
  return { id: app.id, endpointUrl };
}

/** The portal link, with query parameters inserted before the `#token=` fragment. */
function withQuery(portalUrl: string, query: Record<string, string>): string {
  const [base, fragment] = portalUrl.split("#");
  return `${base}?${new URLSearchParams(query).toString()}#${fragment}`;
}

/** Chromium's console error for a frame its CSP `frame-ancestors` refuses. */
const FRAMING_REFUSED =
  /Framing '.*' violates the following Content Security Policy directive: "frame-ancestors/;

const WRITE_ACTION = /^(Add|New|Edit|Delete|Disable|Enable|Rotate|Send|Test|Retry|Resend|Recover)\b/i;

async function writeActions(page: Page): Promise<string[]> {
  const controls = page.getByRole("main").locator("button, a");
  const names = await controls.evaluateAll((elements) =>
    elements.map((element) => (element.getAttribute("aria-label") ?? element.textContent ?? "").trim()),
  );
  return names.filter((name) => WRITE_ACTION.test(name));
}

beforeAll(async () => {
  [herald, browser, embedder] = await Promise.all([startTestHerald(), launchBrowser(), startEmbedder()]);
  appA = await appWithEndpoint(herald, "Tenant A", "https://tenant-a.example.com/webhooks");
  appB = await appWithEndpoint(herald, "Tenant B", "https://tenant-b.example.com/webhooks");
});

afterAll(async () => {
  await browser?.close();
  await herald?.stop();
  await new Promise((resolve) => embedder?.server.close(resolve));
});

describe("the tenant portal", () => {
  it("opens from the portal link with no sign-in, shows that application, and keeps the token out of URLs", async () => {
    const { url, token } = await herald.svix.authentication.appPortalAccess(appA.id, {});
    const { page, errors, close } = await openPage(browser);
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    try {
      await page.goto(url);
      await page.getByText(appA.endpointUrl).first().waitFor();
      expect(await page.getByLabel("Admin token").count()).toBe(0);
      expect(await page.getByText(appB.endpointUrl).count()).toBe(0);

      // The fragment is gone from the address bar, and the token from every request URL.
      expect(page.url()).toBe(`${herald.url}/portal`);
      expect(await page.evaluate(() => window.location.hash)).toBe("");
      expect(requested.length).toBeGreaterThan(2);
      expect(requested.filter((requestUrl) => requestUrl.includes(token))).toEqual([]);
      await screenshot(page, "portal-endpoints");

      // A reload keeps the session (the token moved to session storage, not to the URL).
      await page.reload();
      await page.getByText(appA.endpointUrl).first().waitFor();
      expect(requested.filter((requestUrl) => requestUrl.includes(token))).toEqual([]);

      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, "portal-endpoints-390");
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("cannot reach another application, through the API or the dashboard", async () => {
    const { url, token } = await herald.svix.authentication.appPortalAccess(appA.id, {});
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(url);
      await page.getByText(appA.endpointUrl).first().waitFor();

      // The portal has one application: no applications list, no dashboard navigation.
      expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(0);
      expect(await page.getByRole("link", { name: "Applications" }).count()).toBe(0);
      const tabs = page.getByRole("navigation", { name: "Application sections" }).getByRole("link");
      expect(await tabs.allTextContents()).toEqual(["Endpoints", "Delivery logs", "Health", "Event catalog"]);

      // From inside the portal page, with its own token: app B and the applications list are refused.
      const statuses = await page.evaluate(
        async ({ other, bearer }) => {
          const headers = { authorization: `Bearer ${bearer}` };
          const status = async (path: string) => (await fetch(path, { headers })).status;
          return {
            otherEndpoints: await status(`/api/v1/app/${other}/endpoint`),
            otherApp: await status(`/api/v1/app/${other}`),
            appList: await status("/api/v1/app"),
          };
        },
        { other: appB.id, bearer: token },
      );
      expect([401, 403]).toContain(statuses.otherEndpoints);
      expect([401, 403]).toContain(statuses.otherApp);
      expect([401, 403]).toContain(statuses.appList);

      // The dashboard of app B asks for the admin token, and the portal token is not one.
      await page.goto(`${herald.url}/dashboard/apps/${appB.id}`);
      await page.getByLabel("Admin token").waitFor();
      await page.getByLabel("Admin token").fill(token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("This token was not accepted").waitFor();
      expect(await page.getByText(appB.endpointUrl).count()).toBe(0);
      expect(await page.getByText("Tenant B").count()).toBe(0);
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows that the link has expired once its token has", async () => {
    const { url, token } = await herald.svix.authentication.appPortalAccess(appA.id, { expiry: 1 });
    // JWT times are whole seconds and Herald rounds `exp` up (a token lives at least what was asked), so a
    // 1-second token ends 1 to 2 s from now: wait for its own `exp`, not a fixed 1.5 s.
    const { exp } = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as {
      exp: number;
    };
    await delay(Math.max(0, exp * 1000 - Date.now()) + 100);
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(url);
      await page.getByRole("heading", { name: "This link has expired" }).waitFor();
      expect(await page.getByText(appA.endpointUrl).count()).toBe(0);
      expect(page.url()).not.toContain(token);
      const status = await page.evaluate(
        async (bearer) =>
          (await fetch("/api/v1/event-type", { headers: { authorization: `Bearer ${bearer}` } })).status,
        token,
      );
      expect(status).toBe(401);
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("offers no write action with a read-only token", async () => {
    const { url, token } = await herald.svix.authentication.appPortalAccess(appA.id, { readOnly: true });
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(url);
      await page.getByText(appA.endpointUrl).first().waitFor();
      expect(await writeActions(page)).toEqual([]);

      // The portal of a writable token, for contrast, does offer them.
      const writable = await herald.svix.authentication.appPortalAccess(appA.id, {});
      const other = await openPage(browser);
      try {
        await other.page.goto(writable.url);
        await other.page.getByText(appA.endpointUrl).first().waitFor();
        expect((await writeActions(other.page)).length).toBeGreaterThan(0);
      } finally {
        await other.close();
      }

      // And the API agrees: a read-only token cannot write.
      const status = await page.evaluate(
        async ({ app, bearer }) =>
          (
            await fetch(`/api/v1/app/${app}/endpoint`, {
              method: "POST",
              headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
              body: JSON.stringify({ url: "https://tenant-a.example.com/more" }),
            })
          ).status,
        { app: appA.id, bearer: token },
      );
      expect(status).toBe(403);
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("applies the primary colour, dark theme and logo of the portal URL", async () => {
    const { url } = await herald.svix.authentication.appPortalAccess(appA.id, {});
    const logoUrl = `${embedder.url}/logo.svg`;
    const themed = withQuery(url, { primaryColor: "#ff0000", theme: "dark", logoUrl });
    expect(themed).toContain("?primaryColor=%23ff0000&theme=dark&logoUrl=");
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(themed);
      await page.getByText(appA.endpointUrl).first().waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset["theme"])).toBe("dark");
      const primary = page.getByRole("main").locator(".btn-primary").first();
      expect(await primary.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe(
        "rgb(255, 0, 0)",
      );
      const logo = page.locator("header img.brand-logo");
      expect(await logo.getAttribute("src")).toBe(logoUrl);
      await expect.poll(() => logo.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(80);
      // The theme parameters stay in the address bar (they are not secret); the token does not.
      expect(page.url()).toBe(themed.split("#")[0]);
      await screenshot(page, "portal-endpoints-dark");
      expect(unexpectedErrors(errors)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("renders inside another origin's iframe by default; the dashboard refuses to be framed", async () => {
    const { url } = await herald.svix.authentication.appPortalAccess(appA.id, {});
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${embedder.url}/embed?src=${encodeURIComponent(url)}`);
      const frame = page.frameLocator('iframe[title="Webhooks"]');
      await frame.getByText(appA.endpointUrl).first().waitFor();
      expect(page.frames()[1]?.url()).toBe(`${herald.url}/portal`);
      await screenshot(page, "portal-embedded");
      expect(unexpectedErrors(errors)).toEqual([]);

      const refused = page.waitForEvent("console", (message) => FRAMING_REFUSED.test(message.text()));
      await page.goto(`${embedder.url}/embed?src=${encodeURIComponent(`${herald.url}/dashboard`)}`);
      expect((await refused).text()).toContain("frame-ancestors 'none'");
      await expectFrameBlocked(page, "Admin token");
      expect(unexpectedErrors(errors).filter((error) => !FRAMING_REFUSED.test(error))).toEqual([]);
    } finally {
      await close();
    }
  });

  it("refuses to render in a frame of another origin with portalFrameAncestors 'self'", async () => {
    const strict = await startTestHerald({ config: { portalFrameAncestors: "'self'" } });
    const { page, errors, close } = await openPage(browser);
    try {
      const tenant = await appWithEndpoint(strict, "Strict Tenant", "https://strict.example.com/webhooks");
      const { url } = await strict.svix.authentication.appPortalAccess(tenant.id, {});
      const refused = page.waitForEvent("console", (message) => FRAMING_REFUSED.test(message.text()));
      await page.goto(`${embedder.url}/embed?src=${encodeURIComponent(url)}`);
      expect((await refused).text()).toContain("frame-ancestors 'self'");
      await expectFrameBlocked(page, tenant.endpointUrl);
      expect(unexpectedErrors(errors).filter((error) => !FRAMING_REFUSED.test(error))).toEqual([]);
    } finally {
      await close();
      await strict.stop();
    }
  });
});

/** The iframe never shows Herald's page: Chromium replaces a refused frame with its own error page. */
async function expectFrameBlocked(page: Page, text: string): Promise<void> {
  await expect.poll(() => page.frames()[1]?.url()).toBe("chrome-error://chromewebdata/");
  const shown = await page.frames()[1]?.evaluate(() => document.body?.innerText ?? "");
  expect(shown).not.toContain(text);
}
