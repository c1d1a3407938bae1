import { join } from "node:path";
import type { HeraldConfig } from "../config/config.js";
import type { KeptSecret } from "../config/generated-secrets.js";
import { HERALD_VERSION } from "../config/version.js";
import { createHerald } from "../herald.js";
import type { CliIo } from "./io.js";

export interface ServeOptions {
  /** Where a configured admin token came from, for the banner: `HERALD_ADMIN_TOKEN` or `--admin-token`. */
  tokenOrigin: string;
  /** Resolves when the server should stop; default: the first SIGTERM or SIGINT. */
  shutdown?: Promise<unknown>;
}

/** What `serve` prints once listening: where, with which token, and a request that works as typed. */
export function banner(
  url: string | null,
  config: HeraldConfig,
  token: KeptSecret,
  tokenOrigin: string,
): string {
  const database =
    config.databaseUrl === null ? `SQLite at ${join(config.dataDir, "herald.db")}` : "PostgreSQL";
  if (url === null) {
    return `Herald ${HERALD_VERSION} started as a worker (${database}); this role serves no HTTP API.\n`;
  }
  const lines = [
    `Herald ${HERALD_VERSION} is listening on ${url} (${database}, role ${config.role})`,
    `Dashboard: ${url}/dashboard (sign in with the admin token)`,
  ];
  let authorization: string;
  if (token.source === "config") {
    lines.push(`Admin token: from ${tokenOrigin}`);
    authorization =
      tokenOrigin === "HERALD_ADMIN_TOKEN"
        ? `"Authorization: Bearer $HERALD_ADMIN_TOKEN"`
        : `"Authorization: Bearer <your admin token>"`;
  } else {
    const where =
      token.source === "generated" ? `generated and saved to ${token.file}` : `read from ${token.file}`;
    lines.push(`Admin token (${where}):`, `  ${token.value}`);
    authorization = `'Authorization: Bearer ${token.value}'`;
  }
  lines.push(
    "Create your first application:",
    `  curl -sS -X POST ${url}/api/v1/app -H ${authorization} -H 'Content-Type: application/json' -d '{"name":"My first app"}'`,
  );
  return `${lines.join("\n")}\n`;
}

function firstSignal(onSecond: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handle = (signal: NodeJS.Signals): void => {
      // A second signal while draining means "now".
      process.once("SIGTERM", onSecond);
      process.once("SIGINT", onSecond);
      resolve(signal);
    };
    process.once("SIGTERM", handle);
    process.once("SIGINT", handle);
  });
}

/** `herald serve`: migrates, serves until SIGTERM/SIGINT, then drains and exits 0. */
export async function serveCommand(config: HeraldConfig, io: CliIo, options: ServeOptions): Promise<number> {
  const herald = await createHerald(config);
  let url: string | null;
  try {
    ({ url } = await herald.start());
  } catch (error) {
    await herald.stop();
    throw error;
  }
  io.stdout(banner(url, config, herald.adminToken, options.tokenOrigin));
  // Stay up until told to stop, even when nothing else holds the event loop open (the worker role has no server).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let reason: unknown;
  try {
    reason = await (options.shutdown ??
      firstSignal(() => {
        herald.logger.warn("second signal: exiting without draining");
        process.exit(1);
      }));
  } finally {
    clearInterval(keepAlive);
  }
  herald.logger.info(
    { reason: typeof reason === "string" ? reason : "shutdown" },
    "stopping: draining requests",
  );
  await herald.stop();
  return 0;
}
