/**
 * What a benchmark result was measured on — the machine, the versions of everything on the path, the date — so
 * that figures from different runs can be told apart and compared only where they should be.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { arch, cpus, release, totalmem, type as osType, version as osVersion } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  /** e.g. "Linux 6.8.0-45-generic x64". */
  os: string;
  /** The kernel's build string (`uname -v`). */
  kernel: string;
}

export interface Versions {
  node: string;
  herald: string | null;
  /** npm packages on the measured paths, by name; null: not installed. */
  packages: Record<string, string | null>;
  /** null: no server answered. */
  postgresServer: string | null;
  redisServer: string | null;
}

/** The npm packages a figure depends on: the store drivers, the HTTP client, the BullMQ alternative. */
const PACKAGES = ["better-sqlite3", "pg", "undici", "bullmq", "ioredis"] as const;

export function describeMachine(): Machine {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? "unknown CPU",
    cores: processors.length,
    memoryBytes: totalmem(),
    os: `${osType()} ${release()} ${arch()}`,
    kernel: osVersion(),
  };
}

export async function collectVersions(postgresUrl: string | null, redisUrl: string): Promise<Versions> {
  const packages: Record<string, string | null> = {};
  for (const name of PACKAGES) packages[name] = packageVersion(name);
  const [postgresServer, redisServer] = await Promise.all([
    postgresUrl === null ? Promise.resolve(null) : postgresServerVersion(postgresUrl),
    redisServerVersion(redisUrl),
  ]);
  return { node: process.version, herald: heraldVersion(), packages, postgresServer, redisServer };
}

/** The version in the installed package's package.json (not every package exports that file, so it is read). */
function packageVersion(name: string): string | null {
  const require = createRequire(import.meta.url);
  for (const modules of require.resolve.paths(name) ?? []) {
    const file = join(modules, name, "package.json");
    if (existsSync(file)) return readVersion(file);
  }
  return null;
}

/** Herald's own version: the nearest package.json above this module named "herald" (bench runs from dist/bench). */
function heraldVersion(): string | null {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(directory, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
      if (manifest.name === "herald" && typeof manifest.version === "string") return manifest.version;
    }
    const parent = dirname(directory);
    if (parent === directory) return null;
    directory = parent;
  }
}

function readVersion(file: string): string | null {
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : null;
}

async function postgresServerVersion(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>("show server_version");
    return result.rows[0]?.server_version ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `redis_version` from the server's `INFO server`, spoken in RESP over a plain socket: no client library, so no
 * reconnect loop when nothing listens. Null when nothing answers within a second (or the server wants a password).
 */
function redisServerVersion(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let reply = "";
    const socket = connect({ host: hostname || "127.0.0.1", port: Number(port || 6379) });
    const finish = (version: string | null) => {
      socket.destroy();
      resolve(version);
    };
    socket.setTimeout(1000, () => finish(null));
    socket.once("error", () => finish(null));
    socket.once("connect", () => socket.write("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
      if (reply.startsWith("-")) return finish(null);
      const match = /\r\nredis_version:([^\r\n]+)\r\n/.exec(reply);
      if (match) finish(match[1] ?? null);
    });
  });
}
