/** createHerald's lifecycle: shared start/stop promises, draining in-flight requests, the data-dir secrets. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { request as httpRequest, Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig, type HeraldConfig } from "../../src/config/config.js";
import { createHerald, type Herald } from "../../src/herald.js";
import { createLogger } from "../../src/lib/logger.js";

const silent = createLogger({ level: "silent" });
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function testConfig(overrides: Partial<HeraldConfig> = {}): HeraldConfig {
  const dataDir = mkdtempSync(join(tmpdir(), "herald-lifecycle-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return Object.freeze({ ...parseConfig({}), port: 0, dataDir, ...overrides });
}

async function create(config: HeraldConfig): Promise<Herald> {
  const herald = await createHerald(config, { logger: silent });
  cleanups.push(() => herald.stop());
  return herald;
}

/** A GET on a given keep-alive agent, resolving with status and body. */
function get(url: string, agent: Agent, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("createHerald", () => {
  it("shares one start promise and one stop promise between concurrent callers", async () => {
    const herald = await create(
      testConfig({ adminToken: "lifecycle-admin-token", encryptionKey: randomBytes(32) }),
    );
    const first = herald.start();
    expect(herald.start()).toBe(first);
    const { url } = await first;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/api/v1/health/ping`)).status).toBe(204);

    const stopping = herald.stop();
    expect(herald.stop()).toBe(stopping);
    await stopping;
    await expect(fetch(`${url}/api/v1/health/ping`)).rejects.toThrow();
    await expect(herald.start()).rejects.toThrow(/stopped/);
  });

  it("lets in-flight requests finish on stop and closes only then", async () => {
    const token = "lifecycle-admin-token";
    const herald = await create(testConfig({ adminToken: token, encryptionKey: randomBytes(32) }));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => undefined;
    const hasArrived = new Promise<void>((resolve) => (arrived = resolve));
    herald.app.get("/api/v1/test/slow", async () => {
      arrived();
      await released;
      return { finished: true };
    });
    const { url } = await herald.start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());

    const inFlight = get(`${url}/api/v1/test/slow`, agent, token);
    await hasArrived;
    let stopped = false;
    const stopping = herald.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);

    release();
    expect(await inFlight).toEqual({ status: 200, body: '{"finished":true}' });
    await stopping;
    expect(stopped).toBe(true);
  });

  it("answers 503 to requests that arrive while shutting down", async () => {
    const token = "lifecycle-admin-token";
    const herald = await create(testConfig({ adminToken: token, encryptionKey: randomBytes(32) }));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => undefined;
    const hasArrived = new Promise<void>((resolve) => (arrived = resolve));
    herald.app.get("/api/v1/test/slow", async () => {
      arrived();
      await released;
      return {};
    });
    const { url } = await herald.start();
    // Two keep-alive connections: one busy with the slow request, one idle-but-open for the late request.
    const busy = new Agent({ keepAlive: true, maxSockets: 1 });
    const late = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(
      () => busy.destroy(),
      () => late.destroy(),
    );
    expect((await get(`${url}/api/v1/app`, late, token)).status).toBe(200);

    const inFlight = get(`${url}/api/v1/test/slow`, busy, token);
    await hasArrived;
    const stopping = herald.stop();
    const lateResponse = await get(`${url}/api/v1/app`, late, token).catch((error: unknown) => error);
    release();
    await inFlight;
    await stopping;
    // The idle connection is either refused outright or answered 503 — never served as if nothing happened.
    if (lateResponse instanceof Error) {
      expect(lateResponse.message).toMatch(/socket hang up|ECONNRESET|ECONNREFUSED/);
    } else {
      expect((lateResponse as { status: number }).status).toBe(503);
    }
  });

  it("generates the admin token and encryption key once, mode 0600, and reuses them", async () => {
    const config = testConfig();
    const first = await create(config);
    expect(first.adminToken).toMatchObject({
      source: "generated",
      file: join(config.dataDir, "admin-token"),
    });
    expect(first.adminToken.value).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    for (const file of ["admin-token", "encryption-key"]) {
      expect(statSync(join(config.dataDir, file)).mode & 0o777).toBe(0o600);
    }
    expect(
      Buffer.from(readFileSync(join(config.dataDir, "encryption-key"), "utf8").trim(), "base64"),
    ).toHaveLength(32);
    await first.stop();

    const second = await create(config);
    expect(second.adminToken).toEqual({ ...first.adminToken, source: "data-dir" });
    const { url } = await second.start();
    const response = await fetch(`${url}/api/v1/app`, {
      headers: { authorization: `Bearer ${first.adminToken.value}` },
    });
    expect(response.status).toBe(200);
  });

  it("serves no HTTP in the worker role", async () => {
    const herald = await create(
      testConfig({ role: "worker", adminToken: "lifecycle-admin-token", encryptionKey: randomBytes(32) }),
    );
    expect(await herald.start()).toEqual({ url: null });
    expect(herald.app.server.listening).toBe(false);
  });

  it("rejects start() when the port is taken, and still stops cleanly", async () => {
    const first = await create(
      testConfig({ adminToken: "lifecycle-admin-token", encryptionKey: randomBytes(32) }),
    );
    const { url } = await first.start();
    const port = Number(new URL(url ?? "").port);
    const second = await create(
      testConfig({ port, adminToken: "lifecycle-admin-token", encryptionKey: randomBytes(32) }),
    );
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    await second.stop();
    expect((await fetch(`${url}/api/v1/health/ping`)).status).toBe(204);
  });
});
