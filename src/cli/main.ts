/**
 * The `herald` command line: `serve` (default) and `migrate`, configured by HERALD_* environment variables and
 * the matching flags. Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.
 */
import { ConfigError, parseConfig } from "../config/config.js";
import { HERALD_VERSION } from "../config/version.js";
import { helpText } from "./help.js";
import { processIo, type CliIo } from "./io.js";
import type { ServeOptions } from "./serve.js";

const COMMANDS = ["serve", "migrate"] as const;
type Command = (typeof COMMANDS)[number];

export const EXIT_USAGE = 2;

export async function main(
  argv: readonly string[],
  io: CliIo = processIo,
  serveOptions: Partial<ServeOptions> = {},
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    io.stdout(helpText());
    return 0;
  }
  if (argv.includes("--version") || argv.includes("-v")) {
    io.stdout(`${HERALD_VERSION}\n`);
    return 0;
  }

  let command: Command = "serve";
  let options = argv;
  const first = argv[0];
  if (first !== undefined && !first.startsWith("-")) {
    const known = COMMANDS.find((name) => name === first);
    if (!known) {
      io.stderr(`herald: unknown command "${first}". Commands: ${COMMANDS.join(", ")}. See herald --help.\n`);
      return EXIT_USAGE;
    }
    command = known;
    options = argv.slice(1);
  }

  let config;
  try {
    config = parseConfig(io.env, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`herald: ${error.message}\nSee herald --help for every option.\n`);
    return EXIT_USAGE;
  }

  switch (command) {
    // Commands are loaded on demand, so `--help` and configuration errors answer without loading the server.
    case "migrate": {
      const { migrateCommand } = await import("./migrate.js");
      return await migrateCommand(config, io);
    }
    case "serve": {
      const tokenOrigin = options.some((arg) => arg === "--admin-token" || arg.startsWith("--admin-token="))
        ? "--admin-token"
        : "HERALD_ADMIN_TOKEN";
      const { serveCommand } = await import("./serve.js");
      return await serveCommand(config, io, { tokenOrigin, ...serveOptions });
    }
  }
}
