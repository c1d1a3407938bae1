/**
 * Serves the built React app (`ui/` → `dist/ui`): `/dashboard` for operators and `/portal` for one tenant, both
 * the same single-page app, plus its hashed assets under `/ui/`. Files are read once at start and kept in memory
 * with a gzip copy (the whole bundle is a few hundred KiB), so serving them costs no disk I/O.
 *
 * The UI's settings (theme, logo, colour) travel in a `<meta name="herald-ui">` tag of the HTML, not in an inline
 * script, so that the Content-Security-Policy can forbid inline scripts.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export type UiTheme = "light" | "dark" | "auto";

/** Settings the UI reads from its page; query parameters of a portal URL override the theme ones. */
export interface UiSettings {
  primaryColor: string;
  logoUrl: string | null;
  theme: UiTheme;
}

export interface UiOptions {
  /** Directory holding the built app (`index.html` and `assets/`); null or missing: the pages explain how to build. */
  assetsDir: string | null;
  settings: UiSettings;
  /** CSP `frame-ancestors` sources for `/portal`; the dashboard is never embeddable. */
  portalFrameAncestors: string;
}

/** The URL prefix Vite's `base` puts in front of every asset (see ui/vite.config.ts). */
export const UI_ASSET_PREFIX = "/ui/";

interface StaticFile {
  body: Buffer;
  gzipped: Buffer | null;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

const COMPRESSIBLE = new Set([".js", ".css", ".html", ".svg", ".json", ".txt"]);

function staticFile(body: Buffer, extension: string): StaticFile {
  return {
    body,
    gzipped: COMPRESSIBLE.has(extension) && body.length > 512 ? gzipSync(body, { level: 9 }) : null,
    contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
  };
}

const loadFile = (path: string): StaticFile => staticFile(readFileSync(path), extname(path));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

const escapeAttribute = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function contentSecurityPolicy(frameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React sets styles through the CSSOM, which CSP does not restrict; no inline <style> is needed.
    "style-src 'self'",
    // The portal's logo may live anywhere the operator or the embedding platform chooses.
    "img-src 'self' data: https: http:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
}

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Herald</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto">
<h1>The Herald UI is not built</h1>
<p>Run <code>npm run build:ui</code> (or <code>npm start</code>, which builds it when needed), then reload.</p>
<p>The API under <code>/api/v1</code> works without it.</p>`;

export function uiRoutes(app: FastifyInstance, options: UiOptions): void {
  const dir = options.assetsDir;
  const indexPath = dir === null ? null : join(dir, "index.html");
  const built = indexPath !== null && existsSync(indexPath);

  const assets = new Map<string, StaticFile>();
  let appPage: StaticFile | null = null;
  if (built && dir !== null && indexPath !== null) {
    for (const path of listFiles(dir)) {
      if (path === indexPath) continue;
      assets.set(UI_ASSET_PREFIX + relative(dir, path).split(sep).join("/"), loadFile(path));
    }
    const meta = `<meta name="herald-ui" content="${escapeAttribute(JSON.stringify(options.settings))}">`;
    const html = readFileSync(indexPath, "utf8").replace("<head>", `<head>\n    ${meta}`);
    appPage = staticFile(Buffer.from(html), ".html");
  }

  const send = (request: FastifyRequest, reply: FastifyReply, file: StaticFile, cache: string) => {
    void reply
      .header("content-type", file.contentType)
      .header("cache-control", cache)
      .header("etag", file.etag);
    void reply.header("vary", "accept-encoding").header("x-content-type-options", "nosniff");
    if (request.headers["if-none-match"] === file.etag) return reply.status(304).send();
    const acceptsGzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    if (file.gzipped && acceptsGzip) return reply.header("content-encoding", "gzip").send(file.gzipped);
    return reply.send(file.body);
  };

  const page = (frameAncestors: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    void reply
      .header("content-security-policy", contentSecurityPolicy(frameAncestors))
      .header("referrer-policy", "no-referrer");
    if (!appPage) {
      return reply.status(503).header("content-type", "text/html; charset=utf-8").send(NOT_BUILT_PAGE);
    }
    // The HTML names the current hashed assets, so it must never be cached stale.
    return send(request, reply, appPage, "no-cache");
  };

  const dashboard = page("'none'");
  const portal = page(options.portalFrameAncestors);
  app.get("/", async (_request, reply) => reply.redirect("/dashboard"));
  app.get("/dashboard", dashboard);
  app.get("/dashboard/*", dashboard);
  app.get("/portal", portal);
  app.get("/portal/*", portal);
  app.get(`${UI_ASSET_PREFIX}*`, async (request, reply) => {
    const path = request.url.split("?", 1)[0] ?? "";
    const file = assets.get(path);
    if (!file) {
      return reply.status(404).header("content-type", "text/plain; charset=utf-8").send("Not found");
    }
    // Vite puts a content hash in every asset name under assets/, so those never change.
    const immutable = path.startsWith(`${UI_ASSET_PREFIX}assets/`);
    return send(request, reply, file, immutable ? "public, max-age=31536000, immutable" : "no-cache");
  });
}
