import { SETTINGS } from "../config/config.js";
import { HERALD_VERSION } from "../config/version.js";

/** `herald --help`: the commands, then every setting from the configuration schema. */
export function helpText(): string {
  const options = SETTINGS.map((setting) => {
    const flag = `--${setting.flag} <value>`;
    return [
      `  ${flag.padEnd(34)}${setting.env}, default: ${setting.defaultText}`,
      `  ${"".padEnd(34)}${setting.doc}`,
    ].join("\n");
  });
  return [
    `Herald ${HERALD_VERSION}: self-hostable webhook delivery with a Svix-compatible API.`,
    "",
    "Usage: herald [command] [options]",
    "",
    "Commands:",
    "  serve       Migrate the database and serve the API (default)",
    "  migrate     Apply pending database migrations and exit",
    "",
    "Options (each flag overrides its environment variable):",
    ...options,
    `  ${"--help".padEnd(34)}Show this help`,
    `  ${"--version".padEnd(34)}Print the version`,
    "",
  ].join("\n");
}
