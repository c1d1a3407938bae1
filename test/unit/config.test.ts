import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigError,
  configurationTable,
  DEFAULT_RETRY_SCHEDULE,
  parseConfig,
  SETTINGS,
} from "../../src/config/config.js";
import { keepSecret } from "../../src/config/generated-secrets.js";

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("gives the documented defaults and a frozen result", () => {
    const config = parseConfig({}, []);
    expect(config).toEqual({
      host: "127.0.0.1",
      port: 8071,
      dataDir: resolve("data"),
      databaseUrl: null,
      adminToken: null,
      encryptionKey: null,
      role: "all",
      logLevel: "info",
      maxPayloadBytes: 1048576,
      retrySchedule: [5, 300, 1800, 7200, 18000, 36000, 36000],
      payloadRetentionDays: 90,
      signatureHeaders: "both",
      allowedTargets: [],
      deliveryMaxInFlight: 256,
      deliverySendThreads: 1,
      deliveryEndpointConcurrency: 32,
      deliveryPollMs: 2000,
      maxResponseBytes: 65536,
      publicUrl: null,
      portalFrameAncestors: "*",
      portalPrimaryColor: "#4f46e5",
      portalLogoUrl: null,
      portalTheme: "auto",
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.retrySchedule).toBe(DEFAULT_RETRY_SCHEDULE);
  });

  it("reads every HERALD_* variable", () => {
    const key = Buffer.alloc(32, 7);
    const config = parseConfig({
      HERALD_HOST: "0.0.0.0",
      HERALD_PORT: "9000",
      HERALD_DATA_DIR: "/tmp/herald-x",
      HERALD_DATABASE_URL: "postgresql://u@db:5432/herald",
      HERALD_ADMIN_TOKEN: "a-long-enough-admin-token",
      HERALD_ENCRYPTION_KEY: key.toString("base64"),
      HERALD_ROLE: "worker",
      HERALD_LOG_LEVEL: "debug",
      HERALD_MAX_PAYLOAD_BYTES: "2048",
      HERALD_RETRY_SCHEDULE: "1, 60,3600",
      HERALD_PAYLOAD_RETENTION_DAYS: "7",
      HERALD_SIGNATURE_HEADERS: "webhook",
      HERALD_ALLOWED_TARGETS: "127.0.0.1, 10.0.0.0/8,hooks.internal",
      HERALD_DELIVERY_MAX_IN_FLIGHT: "64",
      HERALD_DELIVERY_SEND_THREADS: "0",
      HERALD_DELIVERY_ENDPOINT_CONCURRENCY: "4",
      HERALD_DELIVERY_POLL_MS: "500",
      HERALD_MAX_RESPONSE_BYTES: "1024",
      HERALD_PUBLIC_URL: "https://hooks.example.com/",
      HERALD_PORTAL_FRAME_ANCESTORS: "'self', https://app.example.com https://*.example.org:8443",
      HERALD_PORTAL_PRIMARY_COLOR: "#FF0088",
      HERALD_PORTAL_LOGO_URL: "https://cdn.example.com/logo.svg",
      HERALD_PORTAL_THEME: "dark",
    });
    expect(config).toMatchObject({
      publicUrl: "https://hooks.example.com",
      portalFrameAncestors: "'self' https://app.example.com https://*.example.org:8443",
      portalPrimaryColor: "#ff0088",
      portalLogoUrl: "https://cdn.example.com/logo.svg",
      portalTheme: "dark",
      allowedTargets: ["127.0.0.1", "10.0.0.0/8", "hooks.internal"],
      deliveryMaxInFlight: 64,
      deliverySendThreads: 0,
      deliveryEndpointConcurrency: 4,
      deliveryPollMs: 500,
      maxResponseBytes: 1024,
      host: "0.0.0.0",
      port: 9000,
      dataDir: "/tmp/herald-x",
      databaseUrl: "postgresql://u@db:5432/herald",
      adminToken: "a-long-enough-admin-token",
      role: "worker",
      logLevel: "debug",
      maxPayloadBytes: 2048,
      retrySchedule: [1, 60, 3600],
      payloadRetentionDays: 7,
      signatureHeaders: "webhook",
    });
    expect(config.encryptionKey?.equals(key)).toBe(true);
  });

  it("refuses portal settings that could break out of their header or page", () => {
    for (const ancestors of ["https://a.example; script-src *", "'unsafe-inline'", "javascript:x", " , "]) {
      expect(() => parseConfig({ HERALD_PORTAL_FRAME_ANCESTORS: ancestors })).toThrow(
        /HERALD_PORTAL_FRAME_ANCESTORS/,
      );
    }
    expect(() => parseConfig({ HERALD_PORTAL_PRIMARY_COLOR: "red;x" })).toThrow(
      /HERALD_PORTAL_PRIMARY_COLOR/,
    );
    expect(() => parseConfig({ HERALD_PORTAL_LOGO_URL: "javascript:alert(1)" })).toThrow(
      /HERALD_PORTAL_LOGO_URL/,
    );
    expect(() => parseConfig({ HERALD_PUBLIC_URL: "ftp://x" })).toThrow(/HERALD_PUBLIC_URL/);
  });

  it("rejects allow-list entries that are neither CIDRs, addresses nor hosts", () => {
    expect(() => parseConfig({ HERALD_ALLOWED_TARGETS: "10.0.0.0/99,ok.host" })).toThrow(
      /HERALD_ALLOWED_TARGETS/,
    );
  });

  it("lets flags override the environment, in both --flag value and --flag=value forms", () => {
    const config = parseConfig({ HERALD_PORT: "9000", HERALD_ROLE: "api" }, [
      "--port",
      "9001",
      "--role=worker",
    ]);
    expect(config.port).toBe(9001);
    expect(config.role).toBe("worker");
  });

  it("treats an empty variable as unset", () => {
    expect(parseConfig({ HERALD_PORT: "", HERALD_DATABASE_URL: "" })).toMatchObject({
      port: 8071,
      databaseUrl: null,
    });
  });

  it("accepts port 0 and `none` as an empty retry schedule", () => {
    expect(parseConfig({ HERALD_PORT: "0", HERALD_RETRY_SCHEDULE: "none" })).toMatchObject({
      port: 0,
      retrySchedule: [],
    });
  });

  it("lists every problem at once, naming where each came from", () => {
    const problems = problemsOf(() =>
      parseConfig(
        {
          HERALD_PORT: "abc",
          HERALD_ROLE: "x",
          HERALD_DATABASE_URL: "mysql://localhost/db",
          HERALD_ENCRYPTION_KEY: Buffer.alloc(16).toString("base64"),
          HERALD_ADMIN_TOKEN: "short",
          HERALD_RETRY_SCHEDULE: "5,soon",
        },
        ["--log-level", "loud", "--colour=blue", "stray", "--max-payload-bytes"],
      ),
    );
    expect(problems).toHaveLength(10);
    const text = problems.join("\n");
    for (const expected of [
      'HERALD_PORT must be a whole number, got "abc"',
      'HERALD_ROLE must be one of all, api, worker, got "x"',
      "HERALD_DATABASE_URL must be a postgres:// URL",
      "HERALD_ENCRYPTION_KEY must be base64 of 32 bytes, got 16 bytes",
      "HERALD_ADMIN_TOKEN must be at least 16 characters",
      "HERALD_RETRY_SCHEDULE must be comma-separated whole seconds",
      "--log-level must be one of",
      "unknown option --colour",
      'unexpected argument "stray"',
      "--max-payload-bytes needs a value",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("rejects out-of-range numbers", () => {
    expect(
      problemsOf(() => parseConfig({ HERALD_PORT: "70000", HERALD_PAYLOAD_RETENTION_DAYS: "0" })),
    ).toEqual([
      "HERALD_PORT must be between 0 and 65535, got 70000",
      "HERALD_PAYLOAD_RETENTION_DAYS must be between 1 and 3650, got 0",
    ]);
  });

  it("puts every problem in the error message", () => {
    expect(() => parseConfig({ HERALD_PORT: "abc", HERALD_ROLE: "x" })).toThrow(
      /Invalid configuration:\n {2}- HERALD_PORT .*\n {2}- HERALD_ROLE /,
    );
  });
});

describe("the configuration schema", () => {
  it("gives every setting a distinct HERALD_* variable, a distinct flag, a default and a doc line", () => {
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((s) => s.flag)).size).toBe(SETTINGS.length);
    for (const setting of SETTINGS) {
      expect(setting.env).toMatch(/^HERALD_[A-Z_]+$/);
      expect(setting.flag).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(setting.defaultText).not.toBe("");
      expect(setting.doc).toMatch(/\.$/);
    }
  });

  it("is what the README's configuration table says, row for row", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    const match = /<!-- config-table:start -->([\s\S]*?)<!-- config-table:end -->/.exec(readme);
    expect(match, "README.md needs the config-table markers").not.toBeNull();
    // Compared cell by cell, so Prettier may align the columns. To regenerate: print configurationTable().
    expect(tableCells(match?.[1] ?? "")).toEqual(tableCells(configurationTable()));
  });
});

/** The cells of a markdown table's body rows, trimmed; `\|` is a literal bar. */
function tableCells(table: string): string[][] {
  return table
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[\s:|-]+\|$/.test(line))
    .slice(1)
    .map((row) =>
      row
        .trim()
        .replace(/^\||\|$/g, "")
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

describe("secrets kept in the data directory", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("generates once with mode 0600, then reads the same value back", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-secret-"));
    dirs.push(dir);
    let generated = 0;
    const generate = (): string => `secret-${++generated}`;
    const first = keepSecret(join(dir, "nested"), "admin-token", generate);
    expect(first).toEqual({
      value: "secret-1",
      source: "generated",
      file: join(dir, "nested", "admin-token"),
    });
    expect(statSync(join(dir, "nested", "admin-token")).mode & 0o777).toBe(0o600);
    const second = keepSecret(join(dir, "nested"), "admin-token", generate);
    expect(second).toEqual({
      value: "secret-1",
      source: "data-dir",
      file: join(dir, "nested", "admin-token"),
    });
    expect(generated).toBe(1);
  });

  it("leaves no temporary file behind, and a racing second writer adopts the first one's secret", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-secret-"));
    dirs.push(dir);
    // The generator runs after the existence check: writing the file from inside it simulates another process
    // that won the race between that check and the link.
    const racing = keepSecret(dir, "admin-token", () => {
      writeFileSync(join(dir, "admin-token"), "the-winner\n");
      return "the-loser";
    });
    expect(racing).toMatchObject({ value: "the-winner", source: "data-dir" });
    expect(readdirSync(dir)).toEqual(["admin-token"]);
  });
});
