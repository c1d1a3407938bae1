/**
 * Secrets Herald makes for itself on first start (the admin token, the encryption key) and keeps in the data
 * directory, so that a fresh `npm start` needs no configuration and a restart keeps working with the same ones.
 */
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type SecretSource = "config" | "data-dir" | "generated";

export interface KeptSecret {
  value: string;
  source: SecretSource;
  /** The file it lives in (absent for `config`). */
  file?: string;
}

export const ADMIN_TOKEN_FILE = "admin-token";
export const ENCRYPTION_KEY_FILE = "encryption-key";

export const generateAdminToken = (): string => `hk_${randomBytes(32).toString("base64url")}`;
export const generateEncryptionKey = (): string => randomBytes(32).toString("base64");

/**
 * Returns the secret stored in `<dataDir>/<name>`, creating it with `generate()` (mode 0600) when missing.
 * Creation goes through a temporary file and `link`, which fails if the name exists: two processes starting
 * at once on the same data directory agree on one secret, and neither can read a half-written file.
 */
export function keepSecret(dataDir: string, name: string, generate: () => string): KeptSecret {
  const file = join(dataDir, name);
  const existing = readSecret(file);
  if (existing !== null) return { value: existing, source: "data-dir", file };

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temporary, `${generate()}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error;
    const winner = readSecret(file);
    if (winner === null) throw new Error(`${file} exists but is empty`);
    return { value: winner, source: "data-dir", file };
  } finally {
    unlinkSync(temporary);
  }
  const created = readSecret(file);
  if (created === null) throw new Error(`${file} could not be written`);
  return { value: created, source: "generated", file };
}

function readSecret(file: string): string | null {
  try {
    const value = readFileSync(file, "utf8").trim();
    return value === "" ? null : value;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
