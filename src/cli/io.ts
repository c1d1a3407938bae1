import type { Environment } from "../config/config.js";

/** What a command reads and writes, injectable so commands can run inside tests. */
export interface CliIo {
  env: Environment;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
