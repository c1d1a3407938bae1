/**
 * What every benchmark scenario runs against: a Herald started in this process on a fresh SQLite file or a
 * fresh Postgres schema (in the role the scenario asks for), further Heralds on the same database when a
 * scenario needs them, and a local receiver for its endpoints.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { parseConfig, type HeraldConfig, type Role } from "../src/config/config.js";
import { createHerald, type Herald } from "../src/herald.js";
import { createLogger } from "../src/lib/logger.js";

export type Backend = "sqlite" | "postgres";

export interface BenchHerald {
  backend: Backend;
  url: string;
  token: string;
  herald: Herald;
  /**
   * Another Herald on the same database (same token and encryption key), not yet started: `start()` it when the
   * scenario is ready. `stop()` stops it too, unless the scenario already did.
   */
  createPeer(role: Role): Promise<Herald>;
  stop(): Promise<void>;
}

/** True when a Postgres server answers at `url` within two seconds. */
export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh schema in `baseUrl`'s database, and the URL that selects it (`options=-c search_path=…`). */
async function freshSchema(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `herald_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

/**
 * `role` is the scenario's: `api` keeps the delivery engine off (accept measures the API and the store alone),
 * `all` runs the engine beside the API as an embedded Herald does. Deliveries may reach 127.0.0.1, where the
 * bench receivers listen.
 */
export async function startBenchHerald(
  backend: Backend,
  postgresUrl: string,
  role: Exclude<Role, "worker">,
  /** The settings every bench Herald shares; the harness sets the port, data directory, database and secrets. */
  base: HeraldConfig = parseConfig({}),
): Promise<BenchHerald> {
  const dataDir = mkdtempSync(join(tmpdir(), "herald-bench-"));
  const schema = backend === "postgres" ? await freshSchema(postgresUrl) : null;
  const token = `hk_bench_${randomBytes(16).toString("hex")}`;
  const config: HeraldConfig = Object.freeze({
    ...base,
    port: 0,
    dataDir,
    databaseUrl: schema?.url ?? null,
    adminToken: token,
    encryptionKey: randomBytes(32),
    role,
    allowedTargets: Object.freeze(["127.0.0.1"]),
  });
  const logger = createLogger({ level: "warn", destination: process.stderr });
  const herald = await createHerald(config, { logger });
  const peers: Herald[] = [];
  const { url } = await herald.start();
  if (url === null) throw new Error("bench: Herald serves no HTTP");
  return {
    backend,
    url,
    token,
    herald,
    async createPeer(peerRole) {
      const peer = await createHerald(Object.freeze({ ...config, role: peerRole }), { logger });
      peers.push(peer);
      return peer;
    },
    async stop() {
      for (const peer of peers) await peer.stop();
      await herald.stop();
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An HTTP receiver on 127.0.0.1:0 that answers 204 to everything and counts what it got. */
export async function startBenchReceiver(): Promise<{
  url: string;
  received: () => number;
  close: () => Promise<void>;
}> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A JSON request to Herald's API that must succeed; returns the parsed body. */
export async function api(
  bench: BenchHerald,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${bench.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bench.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}
