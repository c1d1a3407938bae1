/**
 * Herald as real child processes: `node bin/herald.js serve` with a role and a database, as an operator runs
 * it. Every process started here is remembered until it exits, so `killAllHeralds()` in an `afterEach` leaves
 * nothing running whatever a test did.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "../../src/config/config.js";
import { TEST_SECRET_KEY, type TestDatabase } from "../helpers/databases.js";
import { REPOSITORY_ROOT } from "./build.js";

/** What every process of one deployment shares: the database, the admin token, the encryption key. */
export interface Deployment {
  bin: string;
  database: TestDatabase;
  /** Holds the SQLite file (`herald.db`), or nothing when the database is Postgres. */
  dataDir: string;
  token: string;
}

export interface HeraldProcess {
  readonly role: Role;
  readonly pid: number;
  /** The API's base URL; null for a worker. */
  readonly url: string | null;
  /** Everything the process wrote so far (the tail, when it wrote a lot). */
  output(): string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;
}

const running = new Set<ChildProcess>();
const OUTPUT_LIMIT = 64 * 1024;

/** The parent's environment without any HERALD_* setting, so a developer's shell cannot leak in. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("HERALD_")) env[name] = value;
  return { ...env, ...extra };
}

export function deploymentEnv(deployment: Deployment, role: Role): Record<string, string> {
  return {
    HERALD_ROLE: role,
    HERALD_HOST: "127.0.0.1",
    HERALD_PORT: "0",
    HERALD_DATA_DIR: deployment.dataDir,
    ...(deployment.database.databaseUrl === null
      ? {}
      : { HERALD_DATABASE_URL: deployment.database.databaseUrl }),
    HERALD_ADMIN_TOKEN: deployment.token,
    // The key test/helpers/databases.ts uses, so the tests can open the same database through a store too.
    HERALD_ENCRYPTION_KEY: TEST_SECRET_KEY.toString("base64"),
    HERALD_ALLOWED_TARGETS: "127.0.0.1",
    HERALD_LOG_LEVEL: "warn",
  };
}

/** A data directory for a deployment: the SQLite file's directory, or a fresh empty one for Postgres. */
export function deploymentDataDir(database: TestDatabase): { dataDir: string; cleanup(): void } {
  if (database.sqliteFile !== null) return { dataDir: join(database.sqliteFile, ".."), cleanup: () => {} };
  const dataDir = mkdtempSync(join(tmpdir(), "herald-durability-"));
  return { dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** Starts `herald serve` in `role` and resolves once it is listening (or, for a worker, started). */
export async function startHerald(
  deployment: Deployment,
  role: Role,
  extraEnv: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<HeraldProcess> {
  const child = spawn(process.execPath, [deployment.bin, "serve"], {
    cwd: REPOSITORY_ROOT,
    env: cleanEnv({ ...deploymentEnv(deployment, role), ...extraEnv }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  const append = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    if (output.length > OUTPUT_LIMIT * 2) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const ready = role === "worker" ? /started as a worker/ : /listening on (http:\/\/[^\s]+)/;
  const deadline = Date.now() + timeoutMs;
  let match: RegExpExecArray | null = null;
  while (!(match = ready.exec(output))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`herald serve (${role}) did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (child.pid === undefined) throw new Error("herald serve has no pid");
  return {
    role,
    pid: child.pid,
    url: role === "worker" ? null : (match[1] ?? null),
    output: () => output,
    exited,
    child,
  };
}

/** `kill -9`: the process gets no chance to release anything. Resolves once it is gone. */
export async function killHard(process_: HeraldProcess): Promise<void> {
  process_.child.kill("SIGKILL");
  await process_.exited;
}

/** SIGKILLs every Herald still running and waits for each to be gone. */
export async function killAllHeralds(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}
