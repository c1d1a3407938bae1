import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { uiRoutes, type UiOptions } from "../../src/http/ui.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function builtUi(): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-ui-"));
  dirs.push(dir);
  mkdirSync(join(dir, "assets"));
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><html><head><script type="module" src="/ui/assets/app-abc.js"></script></head><body></body></html>',
  );
  writeFileSync(join(dir, "assets", "app-abc.js"), `console.log(${JSON.stringify("x".repeat(4000))});`);
  return dir;
}

function server(options: Partial<UiOptions>) {
  const app = Fastify();
  uiRoutes(app, {
    assetsDir: null,
    settings: { primaryColor: "#4f46e5", logoUrl: null, theme: "auto" },
    portalFrameAncestors: "*",
    ...options,
  });
  return app;
}

describe("serving the UI", () => {
  it("explains how to build the UI when it is not built, instead of a bare 404", async () => {
    const app = server({ assetsDir: join(tmpdir(), "herald-no-such-dir") });
    const response = await app.inject({ url: "/dashboard/apps/x" });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain("npm run build:ui");
  });

  it("puts the settings in a meta tag, escaped, and sets the frame policy per page", async () => {
    const app = server({
      assetsDir: builtUi(),
      settings: { primaryColor: "#123456", logoUrl: 'https://x.example/a"><script>', theme: "dark" },
      portalFrameAncestors: "https://app.example.com",
    });
    const dashboard = await app.inject({ url: "/dashboard" });
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(dashboard.headers["cache-control"]).toBe("no-cache");
    expect(dashboard.body).not.toContain('"><script>');
    const meta = /<meta name="herald-ui" content="([^"]*)">/.exec(dashboard.body)?.[1] ?? "";
    const decoded = meta
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
    expect(JSON.parse(decoded)).toEqual({
      primaryColor: "#123456",
      logoUrl: 'https://x.example/a"><script>',
      theme: "dark",
    });
    const portal = await app.inject({ url: "/portal/endpoints/ep_1" });
    expect(portal.statusCode).toBe(200);
    expect(portal.headers["content-security-policy"]).toContain("frame-ancestors https://app.example.com");
    expect((await app.inject({ url: "/" })).headers.location).toBe("/dashboard");
  });

  it("serves hashed assets gzipped and immutable, with ETag revalidation, and 404s unknown ones", async () => {
    const app = server({ assetsDir: builtUi() });
    const plain = await app.inject({ url: "/ui/assets/app-abc.js" });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers["content-type"]).toContain("text/javascript");
    expect(plain.headers["cache-control"]).toContain("immutable");
    const gzipped = await app.inject({
      url: "/ui/assets/app-abc.js",
      headers: { "accept-encoding": "gzip, br" },
    });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(plain.body);
    expect(gzipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 10);
    const again = await app.inject({
      url: "/ui/assets/app-abc.js",
      headers: { "if-none-match": String(plain.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect((await app.inject({ url: "/ui/assets/other.js" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/ui/assets/../index.html" })).statusCode).toBe(404);
  });
});
