// Builds the UI (ui/ → dist/ui) with Vite when it is missing or older than its sources; `--force` always builds.
// `npm start` and `npm test` call it, so a fresh clone needs no separate step.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const output = join(root, "dist", "ui", "index.html");

/** Newest modification time under `path` (files and directories). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

const sources = [join(root, "ui"), join(root, "src", "http", "schemas"), join(root, "package-lock.json")];
const force = process.argv.includes("--force");
const stale =
  force || !existsSync(output) || Math.max(...sources.map((path) => newest(path))) > statSync(output).mtimeMs;

if (!stale) {
  console.log("UI is up to date (dist/ui)");
} else {
  const { build } = await import("vite");
  await build({ configFile: join(root, "ui", "vite.config.ts"), logLevel: "warn" });
  console.log("UI built into dist/ui");
}
