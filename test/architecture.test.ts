/**
 * Keeps DESIGN §8's dependency direction true: `cli → herald.ts → http | delivery → services → store → domain →
 * lib`. `http` and `services` see the store only through its interface (`store/store.ts`), only the composition
 * root and the CLI read the configuration, and `domain` does no I/O.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../src");
const UI = join(import.meta.dirname, "../ui/src");

type Layer = "cli" | "herald" | "http" | "delivery" | "services" | "store" | "domain" | "lib" | "config";

/** What each layer may import, besides itself. `store-interface` is `store/store.ts` alone. */
const ALLOWED: Record<Layer, readonly (Layer | "store-interface")[]> = {
  cli: ["herald", "http", "delivery", "services", "store", "domain", "lib", "config"],
  herald: ["http", "delivery", "services", "store", "domain", "lib", "config"],
  http: ["services", "store-interface", "domain", "lib"],
  delivery: ["services", "store-interface", "domain", "lib"],
  services: ["store-interface", "domain", "lib"],
  store: ["domain", "lib"],
  domain: ["lib"],
  lib: [],
  // The configuration validates with domain rules (retry schedules, allow-lists), which are pure.
  config: ["domain", "lib"],
};

/** Packages and built-ins that do I/O; `domain` must not touch them (node:net's address helpers are pure). */
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|dns|http|https|http2|child_process|worker_threads|dgram)$|^(pg|better-sqlite3|undici|fastify|kysely|pino)(\/|$)/;

export interface ImportEdge {
  from: string;
  specifier: string;
}

function layerOf(srcPath: string): Layer | null {
  if (srcPath === "herald.ts") return "herald";
  const top = srcPath.split("/")[0];
  const layers: readonly Layer[] = [
    "cli",
    "http",
    "delivery",
    "services",
    "store",
    "domain",
    "lib",
    "config",
  ];
  return layers.find((layer) => layer === top) ?? null;
}

/** Every `import … from`, `export … from` and `import("…")` specifier in a source text. */
export function importsOf(source: string): string[] {
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  return [...source.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? "");
}

/** The violations among `edges` (paths relative to src/); empty when the layering holds. */
export function layerViolations(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
  for (const { from, specifier } of edges) {
    const fromLayer = layerOf(from);
    if (fromLayer === null) continue;
    if (!specifier.startsWith(".")) {
      if (fromLayer === "domain" && IO_MODULES.test(specifier))
        problems.push(`${from} imports "${specifier}": domain does no I/O`);
      continue;
    }
    const target = normalize(join(dirname(from), specifier)).replace(/\.js$/, ".ts");
    if (target.startsWith("..")) {
      problems.push(`${from} imports ${specifier}, outside src/`);
      continue;
    }
    const toLayer = layerOf(target);
    if (toLayer === null || toLayer === fromLayer) continue;
    const allowed = ALLOWED[fromLayer];
    const ok =
      allowed.includes(toLayer) || (target === "store/store.ts" && allowed.includes("store-interface"));
    if (!ok)
      problems.push(
        `${from} imports ${target}: ${fromLayer} may not depend on ${toLayer === "store" ? "store implementations" : toLayer}`,
      );
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/**
 * DESIGN §8: the UI talks to Herald only over HTTP. From the server's code it may import the API's types —
 * `import type` from src/http/schemas — and nothing else, so no server module ends up in the browser bundle.
 */
export function uiViolations(file: string, source: string): string[] {
  const pattern =
    /(?:^|\n)\s*(import|export)(\s+type)?\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  const problems: string[] = [];
  for (const match of source.matchAll(pattern)) {
    const specifier = match[3] ?? match[4] ?? "";
    const typeOnly = match[2] !== undefined;
    if (!specifier.startsWith(".")) continue;
    const target = normalize(join(dirname(file), specifier));
    const intoServer = target.startsWith("..");
    if (!intoServer) continue;
    if (!target.startsWith(join("..", "..", "src", "http", "schemas")))
      problems.push(`${file} imports ${specifier}: the UI may import only src/http/schemas`);
    else if (!typeOnly) problems.push(`${file} imports ${specifier} without \`import type\``);
  }
  return problems;
}

describe("architecture", () => {
  it("src/ imports point down the layers only", () => {
    const edges = sourceFiles(SRC).flatMap((file) => {
      const from = relative(SRC, file);
      return importsOf(readFileSync(file, "utf8")).map((specifier) => ({ from, specifier }));
    });
    expect(edges.length).toBeGreaterThan(20);
    expect(layerViolations(edges)).toEqual([]);
  });

  it("ui/ imports only types, and only from src/http/schemas", () => {
    const files = sourceFiles(UI);
    expect(files.length).toBeGreaterThan(5);
    const problems = files.flatMap((file) => uiViolations(relative(UI, file), readFileSync(file, "utf8")));
    expect(problems).toEqual([]);
    expect(
      uiViolations(
        "api/types.ts",
        [
          `import type { A } from "../../../src/http/schemas/a";`,
          `import { B } from "../../../src/http/schemas/b";`,
          `import { C } from "../../../src/domain/retry";`,
          `import { D } from "./client";`,
        ].join("\n"),
      ),
    ).toEqual([
      "api/types.ts imports ../../../src/http/schemas/b without `import type`",
      "api/types.ts imports ../../../src/domain/retry: the UI may import only src/http/schemas",
    ]);
  });

  it("catches upward imports, store implementations in http, config outside the root and I/O in domain", () => {
    const source = `import type { Store } from "../store/store.js";\nimport { x } from "../store/sqlite/sqlite-store.js";\n`;
    expect(importsOf(source)).toEqual(["../store/store.js", "../store/sqlite/sqlite-store.js"]);
    expect(
      layerViolations([
        { from: "http/routes/x.ts", specifier: "../../store/store.js" },
        { from: "http/routes/x.ts", specifier: "../../store/sqlite/sqlite-store.js" },
        { from: "domain/retry.ts", specifier: "../services/services.js" },
        { from: "services/x.ts", specifier: "../config/config.js" },
        { from: "http/app.ts", specifier: "../delivery/engine.js" },
        { from: "domain/x.ts", specifier: "node:fs" },
        { from: "domain/x.ts", specifier: "node:crypto" },
        { from: "store/x.ts", specifier: "../http/app.js" },
        { from: "herald.ts", specifier: "./cli/main.js" },
        { from: "cli/main.ts", specifier: "../herald.js" },
      ]),
    ).toEqual([
      "http/routes/x.ts imports store/sqlite/sqlite-store.ts: http may not depend on store implementations",
      "domain/retry.ts imports services/services.ts: domain may not depend on services",
      "services/x.ts imports config/config.ts: services may not depend on config",
      "http/app.ts imports delivery/engine.ts: http may not depend on delivery",
      'domain/x.ts imports "node:fs": domain does no I/O',
      "store/x.ts imports http/app.ts: store may not depend on http",
      "herald.ts imports cli/main.ts: herald may not depend on cli",
    ]);
  });
});
