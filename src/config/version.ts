import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Herald's version, from the package.json above this file: `src/config/` when run from source, `dist/src/config/`
 * when built — so it is looked up rather than imported from a fixed relative path.
 */
function readVersion(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === "herald" && typeof manifest.version === "string") return manifest.version;
    } catch {
      // No package.json at this level: keep walking up.
    }
    directory = dirname(directory);
  }
  return "0.0.0";
}

export const HERALD_VERSION: string = readVersion();
