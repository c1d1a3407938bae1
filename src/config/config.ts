/**
 * Herald's configuration: one schema, where every setting has an environment variable, a command-line flag, a
 * default and a doc line. `parseConfig` reads them once, at boot, and either returns a frozen `HeraldConfig` or
 * throws one `ConfigError` listing every problem, so an operator fixes a bad deployment in one go. The README's
 * configuration table and `herald --help` are generated from the same schema.
 */
import { resolve } from "node:path";
import { parseAllowList } from "../domain/address-policy.js";
import { DEFAULT_RETRY_SCHEDULE } from "../domain/retry.js";
import { SIGNATURE_HEADER_STYLES, type SignatureHeaderStyle } from "../domain/signing.js";

export type Role = "all" | "api" | "worker";
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export type PortalTheme = "light" | "dark" | "auto";
export type SignatureHeaders = SignatureHeaderStyle;
export { DEFAULT_RETRY_SCHEDULE };

export interface HeraldConfig {
  host: string;
  port: number;
  /** Absolute path. */
  dataDir: string;
  /** A `postgres://` URL selects Postgres; null selects SQLite in `dataDir`. */
  databaseUrl: string | null;
  /** null: read from, or generated into, `<dataDir>/admin-token`. */
  adminToken: string | null;
  /** 32 bytes; null: read from, or generated into, `<dataDir>/encryption-key`. */
  encryptionKey: Buffer | null;
  role: Role;
  logLevel: LogLevel;
  maxPayloadBytes: number;
  /** Seconds before each retry. */
  retrySchedule: readonly number[];
  payloadRetentionDays: number;
  signatureHeaders: SignatureHeaders;
  /** CIDRs, addresses and hosts deliveries may reach despite the SSRF guard (validated; see `parseAllowList`). */
  allowedTargets: readonly string[];
  deliveryMaxInFlight: number;
  deliverySendThreads: number;
  deliveryEndpointConcurrency: number;
  deliveryPollMs: number;
  maxResponseBytes: number;
  /** Base URL users reach Herald at (portal links); null: the address Herald listens on. No trailing slash. */
  publicUrl: string | null;
  /** CSP `frame-ancestors` sources for the portal, space-separated (`*`, `'self'`, `https://app.example.com`). */
  portalFrameAncestors: string;
  /** `#rrggbb`. */
  portalPrimaryColor: string;
  portalLogoUrl: string | null;
  portalTheme: PortalTheme;
}

export interface Setting<K extends keyof HeraldConfig> {
  key: K;
  env: `HERALD_${string}`;
  /** Without the leading `--`. */
  flag: string;
  /** How the default reads in the README and `--help`. */
  defaultText: string;
  /** False when `defaultText` describes the default rather than being a value one could type. */
  literalDefault?: false;
  doc: string;
  /** The value when the setting is absent. */
  fallback: () => HeraldConfig[K];
  /** Converts the raw text, or returns a problem as a string. */
  parse: (raw: string) => { value: HeraldConfig[K] } | { problem: string };
}

const ROLES: readonly Role[] = ["all", "api", "worker"];
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const SIGNATURE_HEADERS = SIGNATURE_HEADER_STYLES;
const PORTAL_THEMES: readonly PortalTheme[] = ["light", "dark", "auto"];

function httpUrl(raw: string): { value: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { problem: `must be an http(s) URL, got "${raw}"` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { problem: `must be an http(s) URL, got a ${url.protocol}// URL` };
  }
  return { value: url.href.replace(/\/+$/, "") };
}

/** One CSP source expression of the kinds `frame-ancestors` takes; anything else (`;`, quotes) is refused. */
const FRAME_ANCESTOR_SOURCE =
  /^(?:\*|'self'|'none'|https?:|(?:https?:\/\/)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?)$/i;

function commaList(raw: string): string[] {
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function integer(min: number, max: number) {
  return (raw: string): { value: number } | { problem: string } => {
    const text = raw.trim();
    if (!/^\d+$/.test(text)) return { problem: `must be a whole number, got "${raw}"` };
    const value = Number(text);
    if (value < min || value > max) return { problem: `must be between ${min} and ${max}, got ${value}` };
    return { value };
  };
}

function oneOf<T extends string>(choices: readonly T[]) {
  return (raw: string): { value: T } | { problem: string } => {
    const value = choices.find((choice) => choice === raw.trim());
    return value === undefined
      ? { problem: `must be one of ${choices.join(", ")}, got "${raw}"` }
      : { value };
  };
}

const MAX_RETRY_DELAY_SECONDS = 7 * 24 * 3600;

const SETTINGS_BY_KEY: { [K in keyof HeraldConfig]: Setting<K> } = {
  host: {
    key: "host",
    env: "HERALD_HOST",
    flag: "host",
    defaultText: "127.0.0.1",
    doc: "Address the HTTP API listens on (`0.0.0.0` for every interface).",
    fallback: () => "127.0.0.1",
    parse: (raw) =>
      raw.trim() === "" || /\s/.test(raw.trim())
        ? { problem: "must be a host name or address" }
        : { value: raw.trim() },
  },
  port: {
    key: "port",
    env: "HERALD_PORT",
    flag: "port",
    defaultText: "8071",
    doc: "TCP port of the HTTP API; 0 picks a free port.",
    fallback: () => 8071,
    parse: integer(0, 65535),
  },
  dataDir: {
    key: "dataDir",
    env: "HERALD_DATA_DIR",
    flag: "data-dir",
    defaultText: "./data",
    doc: "Directory for the SQLite database, the generated admin token and the generated encryption key.",
    fallback: () => resolve("data"),
    parse: (raw) => ({ value: resolve(raw) }),
  },
  databaseUrl: {
    key: "databaseUrl",
    env: "HERALD_DATABASE_URL",
    flag: "database-url",
    defaultText: "none (SQLite)",
    literalDefault: false,
    doc: "A `postgres://` URL selects PostgreSQL; absent means the embedded SQLite database in the data directory.",
    fallback: () => null,
    parse: (raw) => {
      let url: URL;
      try {
        url = new URL(raw.trim());
      } catch {
        return { problem: "must be a postgres:// URL" };
      }
      if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
        return { problem: `must be a postgres:// URL, got a ${url.protocol}// URL` };
      }
      return { value: raw.trim() };
    },
  },
  adminToken: {
    key: "adminToken",
    env: "HERALD_ADMIN_TOKEN",
    flag: "admin-token",
    defaultText: "generated",
    literalDefault: false,
    doc: "Bearer token with full access. Absent: generated on first start and kept in `<data dir>/admin-token`.",
    fallback: () => null,
    parse: (raw) => {
      const token = raw.trim();
      if (token.length < 16) return { problem: "must be at least 16 characters" };
      if (/[\s\x00-\x1f]/.test(token))
        return { problem: "must not contain whitespace or control characters" };
      return { value: token };
    },
  },
  encryptionKey: {
    key: "encryptionKey",
    env: "HERALD_ENCRYPTION_KEY",
    flag: "encryption-key",
    defaultText: "generated",
    literalDefault: false,
    doc:
      "Base64 of 32 random bytes; encrypts endpoint secrets at rest (AES-256-GCM). Absent: generated on first " +
      "start and kept in `<data dir>/encryption-key`. Set it when several processes share a Postgres database.",
    fallback: () => null,
    parse: (raw) => {
      const text = raw.trim();
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return { problem: "must be base64 of 32 bytes" };
      const key = Buffer.from(text, "base64");
      if (key.length !== 32) return { problem: `must be base64 of 32 bytes, got ${key.length} bytes` };
      return { value: key };
    },
  },
  role: {
    key: "role",
    env: "HERALD_ROLE",
    flag: "role",
    defaultText: "all",
    doc: "`all`: the HTTP API and the delivery engine; `api`: only the HTTP API; `worker`: only the delivery engine (run several against one Postgres database).",
    fallback: () => "all",
    parse: oneOf(ROLES),
  },
  logLevel: {
    key: "logLevel",
    env: "HERALD_LOG_LEVEL",
    flag: "log-level",
    defaultText: "info",
    doc: `Least severe log level written: ${LOG_LEVELS.join(", ")}.`,
    fallback: () => "info",
    parse: oneOf(LOG_LEVELS),
  },
  maxPayloadBytes: {
    key: "maxPayloadBytes",
    env: "HERALD_MAX_PAYLOAD_BYTES",
    flag: "max-payload-bytes",
    defaultText: "1048576",
    doc: "Largest accepted request body in bytes (1 MiB); larger bodies get 413.",
    fallback: () => 1024 * 1024,
    parse: integer(1024, 64 * 1024 * 1024),
  },
  retrySchedule: {
    key: "retrySchedule",
    env: "HERALD_RETRY_SCHEDULE",
    flag: "retry-schedule",
    defaultText: DEFAULT_RETRY_SCHEDULE.join(","),
    doc: "Default seconds before each retry, comma-separated (`none` for no retries); applications and endpoints may override it.",
    fallback: () => DEFAULT_RETRY_SCHEDULE,
    parse: (raw) => {
      const text = raw.trim();
      if (text === "none") return { value: Object.freeze([]) };
      const parts = text.split(",").map((part) => part.trim());
      const delays: number[] = [];
      for (const part of parts) {
        if (!/^\d+$/.test(part) || Number(part) > MAX_RETRY_DELAY_SECONDS) {
          return {
            problem: `must be comma-separated whole seconds up to ${MAX_RETRY_DELAY_SECONDS}, got "${raw}"`,
          };
        }
        delays.push(Number(part));
      }
      if (delays.length > 50) return { problem: "must have at most 50 retries" };
      return { value: Object.freeze(delays) };
    },
  },
  payloadRetentionDays: {
    key: "payloadRetentionDays",
    env: "HERALD_PAYLOAD_RETENTION_DAYS",
    flag: "payload-retention-days",
    defaultText: "90",
    doc: "Days a message's payload is kept; after that the message reads as expired.",
    fallback: () => 90,
    parse: integer(1, 3650),
  },
  signatureHeaders: {
    key: "signatureHeaders",
    env: "HERALD_SIGNATURE_HEADERS",
    flag: "signature-headers",
    defaultText: "both",
    doc: "Signature header names for deliveries: `svix` (`svix-id`…), `webhook` (`webhook-id`…) or `both`.",
    fallback: () => "both",
    parse: oneOf(SIGNATURE_HEADERS),
  },
  allowedTargets: {
    key: "allowedTargets",
    env: "HERALD_ALLOWED_TARGETS",
    flag: "allowed-targets",
    defaultText: "none",
    literalDefault: false,
    doc: "Comma-separated CIDRs, addresses or host names that deliveries may reach although they are private, loopback or link-local (SSRF guard), e.g. `127.0.0.1,10.0.0.0/8`.",
    fallback: () => Object.freeze([]),
    parse: (raw) => {
      const entries = commaList(raw);
      const { problems } = parseAllowList(entries);
      return problems.length > 0
        ? { problem: `has invalid entries: ${problems.join("; ")}` }
        : { value: Object.freeze(entries) };
    },
  },
  deliveryMaxInFlight: {
    key: "deliveryMaxInFlight",
    env: "HERALD_DELIVERY_MAX_IN_FLIGHT",
    flag: "delivery-max-in-flight",
    defaultText: "256",
    doc: "Deliveries a worker holds at once (sending, or waiting for their endpoint's turn).",
    fallback: () => 256,
    parse: integer(1, 100_000),
  },
  deliveryEndpointConcurrency: {
    key: "deliveryEndpointConcurrency",
    env: "HERALD_DELIVERY_ENDPOINT_CONCURRENCY",
    flag: "delivery-endpoint-concurrency",
    defaultText: "32",
    doc: "Requests in flight to one endpoint at once, per worker process.",
    fallback: () => 32,
    parse: integer(1, 10_000),
  },
  deliverySendThreads: {
    key: "deliverySendThreads",
    env: "HERALD_DELIVERY_SEND_THREADS",
    flag: "delivery-send-threads",
    defaultText: "1",
    doc: "Worker threads that build, sign and send the webhook requests while the main thread claims deliveries and records outcomes; 0 does it all on the main thread.",
    fallback: () => 1,
    parse: integer(0, 64),
  },
  deliveryPollMs: {
    key: "deliveryPollMs",
    env: "HERALD_DELIVERY_POLL_MS",
    flag: "delivery-poll-ms",
    defaultText: "2000",
    doc: "Longest an idle worker sleeps before asking the database what is due (accepted messages wake it at once).",
    fallback: () => 2000,
    parse: integer(50, 600_000),
  },
  maxResponseBytes: {
    key: "maxResponseBytes",
    env: "HERALD_MAX_RESPONSE_BYTES",
    flag: "max-response-bytes",
    defaultText: "65536",
    doc: "Bytes of each receiver response kept in the delivery log.",
    fallback: () => 64 * 1024,
    parse: integer(0, 16 * 1024 * 1024),
  },
  publicUrl: {
    key: "publicUrl",
    env: "HERALD_PUBLIC_URL",
    flag: "public-url",
    defaultText: "the listening address",
    literalDefault: false,
    doc: "Base URL users reach Herald at, e.g. `https://webhooks.example.com`; portal links (`app-portal-access`) start with it.",
    fallback: () => null,
    parse: httpUrl,
  },
  portalFrameAncestors: {
    key: "portalFrameAncestors",
    env: "HERALD_PORTAL_FRAME_ANCESTORS",
    flag: "portal-frame-ancestors",
    defaultText: "*",
    doc: "Pages allowed to embed the tenant portal in an iframe (CSP `frame-ancestors`), space- or comma-separated, e.g. `https://app.example.com`. The dashboard is never embeddable.",
    fallback: () => "*",
    parse: (raw) => {
      const sources = raw
        .split(/[\s,]+/)
        .map((source) => source.trim())
        .filter((source) => source !== "");
      const bad = sources.filter((source) => !FRAME_ANCESTOR_SOURCE.test(source));
      if (sources.length === 0)
        return { problem: "must list at least one source (`'none'` forbids embedding)" };
      if (bad.length > 0) return { problem: `has invalid sources: ${bad.join(" ")}` };
      return { value: sources.join(" ") };
    },
  },
  portalPrimaryColor: {
    key: "portalPrimaryColor",
    env: "HERALD_PORTAL_PRIMARY_COLOR",
    flag: "portal-primary-color",
    defaultText: "#4f46e5",
    doc: "Primary colour of the dashboard and portal (`#rrggbb`); a portal URL's `primaryColor` query parameter overrides it.",
    fallback: () => "#4f46e5",
    parse: (raw) =>
      /^#[0-9a-f]{6}$/i.test(raw.trim())
        ? { value: raw.trim().toLowerCase() }
        : { problem: `must be a colour like #4f46e5, got "${raw}"` },
  },
  portalLogoUrl: {
    key: "portalLogoUrl",
    env: "HERALD_PORTAL_LOGO_URL",
    flag: "portal-logo-url",
    defaultText: "none",
    literalDefault: false,
    doc: "Logo shown in the portal's header (an http(s) URL); a portal URL's `logoUrl` query parameter overrides it.",
    fallback: () => null,
    parse: httpUrl,
  },
  portalTheme: {
    key: "portalTheme",
    env: "HERALD_PORTAL_THEME",
    flag: "portal-theme",
    defaultText: "auto",
    doc: "`light`, `dark` or `auto` (follows the browser); a portal URL's `theme` query parameter overrides it.",
    fallback: () => "auto",
    parse: oneOf(PORTAL_THEMES),
  },
};

/** Every setting, in documentation order. */
export const SETTINGS: readonly Setting<keyof HeraldConfig>[] = Object.values(SETTINGS_BY_KEY) as Setting<
  keyof HeraldConfig
>[];

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Splits `--flag value` / `--flag=value` pairs; anything else is a problem. */
function readFlags(argv: readonly string[], problems: string[]): Map<string, string> {
  const byFlag = new Map(SETTINGS.map((setting) => [setting.flag, setting]));
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    if (!match?.[1]) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const flag = match[1];
    if (!byFlag.has(flag)) {
      problems.push(`unknown option --${flag}`);
      continue;
    }
    let value = match[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        problems.push(`--${flag} needs a value`);
        continue;
      }
      value = next;
      i++;
    }
    values.set(flag, value);
  }
  return values;
}

/**
 * Reads every setting from `argv` (flags win) or `env`, else its default. Empty environment variables count as
 * unset, as orchestrators often pass `HERALD_X=` for "not configured".
 */
export function parseConfig(env: Environment, argv: readonly string[] = []): HeraldConfig {
  const problems: string[] = [];
  const flags = readFlags(argv, problems);
  const config: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const fromFlag = flags.get(setting.flag);
    const fromEnv = env[setting.env];
    const raw = fromFlag ?? (fromEnv === undefined || fromEnv === "" ? undefined : fromEnv);
    if (raw === undefined) {
      config[setting.key] = setting.fallback();
      continue;
    }
    const result = setting.parse(raw);
    if ("problem" in result) {
      const source = fromFlag === undefined ? setting.env : `--${setting.flag}`;
      problems.push(`${source} ${result.problem}`);
    } else {
      config[setting.key] = result.value;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config) as unknown as HeraldConfig;
}

/** The README's configuration table; test/unit/config.test.ts checks that the README contains exactly this. */
export function configurationTable(): string {
  const escape = (text: string): string => text.replace(/\|/g, "\\|");
  const rows = SETTINGS.map(
    (s) =>
      `| \`${s.env}\` | \`--${s.flag}\` | ${s.literalDefault === false ? s.defaultText : `\`${s.defaultText}\``} | ${escape(s.doc)} |`,
  );
  return ["| Environment variable | Flag | Default | Description |", "|---|---|---|---|", ...rows].join("\n");
}
