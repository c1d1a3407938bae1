/**
 * Error shapes at the HTTP boundary, checked with raw requests against a real Herald (svix-api.md §1.3–1.5 and
 * §12.2: every error has a JSON body of the right shape, and nothing internal leaks).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/config.js";
import { ERROR_CODES } from "../../src/domain/errors.js";
import { createHerald } from "../../src/herald.js";
import { createLogger } from "../../src/lib/logger.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";

let server: TestHerald;
const auth = (): Record<string, string> => ({ authorization: `Bearer ${server.token}` });

beforeAll(async () => {
  server = await startTestHerald({ config: { maxPayloadBytes: 4096 } });
});
afterAll(async () => {
  await server.stop();
});

describe("authentication", () => {
  const INVALID_TOKEN = '{"code":"authentication_failed","detail":"Invalid token"}';

  it.each([
    ["no authorization header", {}],
    ["a wrong token", { authorization: "Bearer hk_not_the_token_at_all" }],
    ["another scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ["an empty bearer", { authorization: "Bearer " }],
  ])("answers 401 with Svix's exact body for %s", async (_case, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}/api/v1/app`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.text()).toBe(INVALID_TOKEN);
  });

  it("accepts the admin token", async () => {
    const response = await fetch(`${server.url}/api/v1/app`, { headers: auth() });
    expect(response.status).toBe(200);
  });
});

describe("routing", () => {
  it("answers a path parameter longer than any id or uid with a JSON 404, not the router's own body", async () => {
    const response = await fetch(`${server.url}/api/v1/app/${"a".repeat(2000)}`, { headers: auth() });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "not_found" });
  });

  it("explains why a nullable field is invalid instead of 'Expected union value'", async () => {
    const response = await fetch(`${server.url}/api/v1/app`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ name: "x", uid: "not a uid!" }),
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { detail: { loc: unknown[]; msg: string }[] };
    expect(body.detail[0]?.loc).toEqual(["body", "uid"]);
    expect(body.detail[0]?.msg).toMatch(/^Expected string to match/);
  });

  it("answers an unknown route with a JSON 404", async () => {
    const response = await fetch(`${server.url}/api/v1/no-such-thing`, { headers: auth() });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ code: "not_found", detail: expect.any(String) });
  });

  it("answers an unknown path outside the API with a JSON 404 too", async () => {
    const response = await fetch(`${server.url}/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "not_found" });
  });

  it("treats a trailing slash like none", async () => {
    const created = await fetch(`${server.url}/api/v1/app/`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ name: "Slash" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const fetched = await fetch(`${server.url}/api/v1/app/${id}/`, { headers: auth() });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toMatchObject({ id, name: "Slash" });
    const listed = await fetch(`${server.url}/api/v1/app/?limit=1`, { headers: auth() });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ data: expect.any(Array) });
  });
});

describe("request bodies", () => {
  it("answers malformed JSON with 422 value_error.jsondecode", async () => {
    const response = await fetch(`${server.url}/api/v1/app`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: '{"name": "unterminated',
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { detail: { loc: unknown[]; msg: string; type: string }[] };
    expect(body.detail).toHaveLength(1);
    expect(body.detail[0]).toMatchObject({
      loc: ["body"],
      type: "value_error.jsondecode",
      msg: expect.any(String),
    });
  });

  it("answers a body over HERALD_MAX_PAYLOAD_BYTES with 413 payload_too_large", async () => {
    const response = await fetch(`${server.url}/api/v1/app`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(5000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      code: "payload_too_large",
      detail: "Request payload is too large.",
    });
  });

  it("accepts a body just under the limit", async () => {
    const response = await fetch(`${server.url}/api/v1/app`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ name: "Big metadata", metadata: { note: "y".repeat(3000) } }),
    });
    expect(response.status).not.toBe(413);
  });
});

describe("health", () => {
  it.each(["GET", "HEAD"])("%s /api/v1/health needs no token", async (method) => {
    const response = await fetch(`${server.url}/api/v1/health`, { method });
    expect(response.status).toBe(200);
    if (method === "GET") expect(await response.json()).toMatchObject({ database: { status: "ok" } });
  });

  it.each(["GET", "HEAD"])("%s /api/v1/health/ping needs no token and answers 204", async (method) => {
    const response = await fetch(`${server.url}/api/v1/health/ping/`, { method });
    expect(response.status).toBe(204);
  });
});

describe("unexpected errors", () => {
  it("answer 500 {} without internals, and are logged with context", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "herald-errors-"));
    const logged: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString("utf8"));
        done();
      },
    });
    const herald = await createHerald(
      Object.freeze({
        ...parseConfig({}),
        port: 0,
        dataDir,
        adminToken: "errors-test-admin-token",
        encryptionKey: randomBytes(32),
      }),
      { logger: createLogger({ level: "error", destination }) },
    );
    try {
      // A route whose handler fails the way a bug would: with an error Herald does not know.
      herald.app.get("/api/v1/test/explode", () => {
        throw new Error("internal detail: /var/lib/secret-path");
      });
      const { url } = await herald.start();
      const response = await fetch(`${url}/api/v1/test/explode`, {
        headers: { authorization: "Bearer errors-test-admin-token" },
      });
      expect(response.status).toBe(500);
      expect(await response.text()).toBe("{}");
      const log = logged.join("");
      expect(log).toContain("internal detail: /var/lib/secret-path");
      expect(log).toContain("/api/v1/test/explode");
    } finally {
      await herald.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the README's error table", () => {
  it("lists every registered code with its status and doc line", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    const table = /<!-- error-table:start -->([\s\S]*?)<!-- error-table:end -->/.exec(readme)?.[1] ?? "";
    const rows = table
      .split("\n")
      .filter((line) => line.startsWith("|") && !/^\|[\s:|-]+\|$/.test(line))
      .slice(1)
      .map((row) =>
        row
          .replace(/^\||\|$/g, "")
          .split("|")
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(
      Object.entries(ERROR_CODES).map(([code, entry]) => [String(entry.status), `\`${code}\``, entry.docs]),
    );
  });
});
