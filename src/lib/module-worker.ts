/**
 * Starts a worker thread that runs one of Herald's own modules, named by its built file (`./x.js`, resolved
 * against the caller's `import.meta.url`).
 *
 * From the build (dist/…/*.js), the module runs as it is. From the TypeScript sources — the test suite imports
 * src/*.ts directly, and Node 20 cannot run `.ts` in a worker — the worker first registers tsx's loader (a dev
 * dependency, present wherever the sources are run) and then imports the `.ts` module. Which case applies is
 * decided by this file's own extension, so a build never looks for tsx.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

const RUNNING_FROM_SOURCES = import.meta.url.endsWith(".ts");

export function startModuleWorker(builtModule: URL, options: Omit<WorkerOptions, "eval">): Worker {
  if (!RUNNING_FROM_SOURCES) return new Worker(builtModule, options);
  const source = builtModule.href.replace(/\.js$/, ".ts");
  // An `eval` worker is CommonJS: dynamic import() loads the ES modules in order.
  const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => {
    tsx.register();
    return import(${JSON.stringify(source)});
  });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** The ES module of tsx's `register()` API: `require.resolve` would give its CommonJS twin. */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve("tsx/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const entry = manifest.exports["./esm/api"]?.import.default;
  if (!entry) throw new Error("tsx has no ./esm/api export: cannot run a worker from the TypeScript sources");
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}
