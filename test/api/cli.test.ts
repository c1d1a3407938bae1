/**
 * The built `herald` command, run as a user would: `node bin/herald.js …` in a child process, with a fresh data
 * directory per test.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/config.js";
import { HERALD_VERSION } from "../../src/config/version.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/herald.js");

/** The parent's environment without any HERALD_* setting, so a developer's shell cannot leak into a test. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("HERALD_")) env[name] = value;
  return { ...env, ...extra };
}

function runCli(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Serving {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

function serve(args: string[], env: Record<string, string>): Serving {
  const child = spawn(process.execPath, [BIN, "serve", ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exited };
}

async function waitForOutput(
  serving: Serving,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(serving.output());
    if (match) return match;
    if (Date.now() > deadline || serving.child.exitCode !== null) {
      throw new Error(`no ${String(pattern)} in output:\n${serving.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the banner's curl line in bash, as a user would paste it. */
function runCurl(line: string, env: Record<string, string> = {}): { status: number | null; stdout: string } {
  const result = spawnSync("bash", ["-c", `${line} -w '\\n%{http_code}'`], {
    env: cleanEnv(env),
    encoding: "utf8",
    timeout: 15_000,
  });
  return { status: result.status, stdout: result.stdout };
}

const dataDirs: string[] = [];
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-cli-"));
  dataDirs.push(dir);
  return dir;
}

beforeAll(() => {
  // Build what bin/herald.js runs. Type errors are `npm run typecheck`'s business; tsc still emits.
  spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (!existsSync(join(ROOT, "dist/src/cli/main.js")))
    throw new Error("the build did not produce dist/src/cli/main.js");
}, 120_000);

afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
});

afterAll(() => {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("herald --help and --version", () => {
  it("lists the commands and every setting's variable and flag", () => {
    const { status, stdout } = runCli(["--help"]);
    expect(status).toBe(0);
    expect(stdout).toContain("serve");
    expect(stdout).toContain("migrate");
    for (const setting of SETTINGS) {
      expect(stdout).toContain(setting.env);
      expect(stdout).toContain(`--${setting.flag}`);
    }
  });

  it("prints the package version", () => {
    const { status, stdout } = runCli(["--version"]);
    expect(status).toBe(0);
    expect(stdout.trim()).toBe(HERALD_VERSION);
    expect(HERALD_VERSION).toBe(
      (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version,
    );
  });
});

describe("bad usage", () => {
  it("exits 2 listing every configuration problem", () => {
    const { status, stderr, stdout } = runCli(["serve"], { HERALD_PORT: "abc", HERALD_ROLE: "x" });
    expect(status).toBe(2);
    expect(stderr).toContain('HERALD_PORT must be a whole number, got "abc"');
    expect(stderr).toContain('HERALD_ROLE must be one of all, api, worker, got "x"');
    expect(stdout).not.toContain("listening");
  });

  it("exits 2 on an unknown command or flag", () => {
    expect(runCli(["frobnicate"]).status).toBe(2);
    const { status, stderr } = runCli(["migrate", "--colour", "blue"]);
    expect(status).toBe(2);
    expect(stderr).toContain("unknown option --colour");
  });
});

describe("herald migrate", () => {
  it("creates the SQLite database in a fresh data directory, then finds it up to date", () => {
    const dataDir = join(freshDataDir(), "nested");
    const first = runCli(["migrate", "--data-dir", dataDir]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^Applied \d+ migrations? to SQLite/m);
    expect(existsSync(join(dataDir, "herald.db"))).toBe(true);

    const second = runCli(["migrate"], { HERALD_DATA_DIR: dataDir });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("Database is up to date");
  });

  it.skipIf(!process.env["HERALD_TEST_DATABASE_URL"])(
    "migrates a fresh Postgres schema",
    async () => {
      const { createTestDatabase } = await import("../helpers/databases.js");
      const database = await createTestDatabase("postgres");
      try {
        const env = { HERALD_DATABASE_URL: database.databaseUrl ?? "", HERALD_DATA_DIR: freshDataDir() };
        const first = runCli(["migrate"], env);
        expect(first.status, first.stderr).toBe(0);
        expect(first.stdout).toMatch(/^Applied \d+ migrations? to PostgreSQL/m);
        expect(runCli(["migrate"], env).stdout).toContain("Database is up to date");
      } finally {
        await database.cleanup();
      }
    },
    60_000,
  );
});

describe("herald serve", () => {
  it("prints a generated token and a curl line that works, keeps the token, and stops cleanly on SIGTERM", async () => {
    const dataDir = freshDataDir();
    const serving = serve(["--port", "0"], { HERALD_DATA_DIR: dataDir, HERALD_LOG_LEVEL: "info" });
    const [, url] = await waitForOutput(serving, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const [, token] = await waitForOutput(
      serving,
      /Admin token \(generated and saved to .*admin-token\):\n {2}(hk_\S+)/,
    );
    const [curl] = await waitForOutput(serving, /curl .*\n/);
    expect(curl).toContain(`${url}/api/v1/app`);
    // The banner's dashboard link opens the UI (npm test builds it before the suite runs).
    const [, dashboardUrl] = await waitForOutput(serving, /Dashboard: (\S+)/);
    expect(dashboardUrl).toBe(`${url}/dashboard`);
    const dashboard = await fetch(dashboardUrl ?? "");
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<div id="root">');
    expect(readFileSync(join(dataDir, "admin-token"), "utf8").trim()).toBe(token);
    expect(statSync(join(dataDir, "admin-token")).mode & 0o777).toBe(0o600);

    const response = runCurl(curl.trim());
    expect(response.status).toBe(0);
    const [body, code] = response.stdout.split("\n");
    expect(code).toBe("201");
    expect(JSON.parse(body ?? "")).toMatchObject({
      name: "My first app",
      id: expect.stringMatching(/^app_/),
    });

    serving.child.kill("SIGTERM");
    expect(await serving.exited).toBe(0);
    expect(serving.output()).toContain("herald stopped");

    // A restart finds the same token in the data directory.
    const again = serve(["--port=0"], { HERALD_DATA_DIR: dataDir });
    const [, sameToken] = await waitForOutput(
      again,
      /Admin token \(read from .*admin-token\):\n {2}(hk_\S+)/,
    );
    expect(sameToken).toBe(token);
    again.child.kill("SIGINT");
    expect(await again.exited).toBe(0);
  });

  it("never prints a token that came from HERALD_ADMIN_TOKEN, and its curl line works with that variable", async () => {
    const token = "env-provided-admin-token-0123456789";
    const serving = serve([], {
      HERALD_DATA_DIR: freshDataDir(),
      HERALD_PORT: "0",
      HERALD_ADMIN_TOKEN: token,
    });
    const [curl] = await waitForOutput(serving, /curl .*\n/);
    expect(serving.output()).toContain("Admin token: from HERALD_ADMIN_TOKEN");
    expect(serving.output()).not.toContain(token);
    const [, code] = runCurl(curl.trim(), { HERALD_ADMIN_TOKEN: token }).stdout.split("\n");
    expect(code).toBe("201");
    serving.child.kill("SIGTERM");
    expect(await serving.exited).toBe(0);
  });

  it("starts the worker role without an HTTP API", async () => {
    const serving = serve(["--role", "worker"], { HERALD_DATA_DIR: freshDataDir(), HERALD_PORT: "0" });
    await waitForOutput(serving, /started as a worker/);
    expect(serving.output()).not.toContain("listening on");
    // Nothing holds a worker's event loop open yet; it must stay up until told to stop all the same.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(serving.child.exitCode).toBeNull();
    serving.child.kill("SIGTERM");
    expect(await serving.exited).toBe(0);
  });
});
