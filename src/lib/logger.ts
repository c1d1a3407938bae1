/**
 * Structured logs (pino) that never carry credentials: authorization headers are redacted by path, and any
 * field whose name says it is a secret, a key, a token or a password is redacted wherever it sits in a logged
 * plain object.
 */
import { pino, type DestinationStream, type Level, type Logger } from "pino";

export const REDACTED = "[redacted]";

const SENSITIVE_NAME = /secret|token|password|passphrase|authorization|cookie|credential/i;

/** `key`, `apiKey`, `encryption_key`, `signing-key` — but not `monkey` or `keyword`. */
function isSensitiveName(name: string): boolean {
  return (
    SENSITIVE_NAME.test(name) ||
    /(^|[_-])key$/i.test(name) ||
    /[a-z0-9]Key$/.test(name) ||
    /^key[A-Z_-]/.test(name)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Copies plain objects and arrays (to a bounded depth) with sensitive fields replaced; other values pass. */
export function redactSensitive(value: unknown, depth = 0): unknown {
  if (depth > 5) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => redactSensitive(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    out[name] =
      isSensitiveName(name) && field !== null && field !== undefined
        ? REDACTED
        : redactSensitive(field, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level: Level | "silent";
  /**
   * Where lines go. Default: stdout, written synchronously so that log lines and the CLI's own output appear in
   * the order they happened (Herald logs little outside errors; nothing on the hot path logs at info).
   */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "herald" },
      redact: {
        paths: ["req.headers.authorization", "headers.authorization", "request.headers.authorization"],
        censor: REDACTED,
      },
      formatters: {
        log: (object) => redactSensitive(object) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
