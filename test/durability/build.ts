/**
 * A private build of Herald for the durability tests. They run the real command (`node bin/herald.js serve`),
 * but `dist/` is rebuilt by test/api/cli.test.ts while other files run in parallel, and a process started while
 * tsc rewrites its modules would fail for reasons that have nothing to do with durability. So the sources are
 * compiled into node_modules/.cache/herald-durability/<hash of the sources>/, next to copies of package.json
 * and bin/herald.js, which then runs exactly as shipped. Test files building at the same time each compile
 * into a scratch directory and the first rename wins; a later run with unchanged sources reuses the build.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";

export const REPOSITORY_ROOT = join(import.meta.dirname, "../..");
const CACHE_DIR = join(REPOSITORY_ROOT, "node_modules/.cache/herald-durability");
/** Builds of other source versions older than this are removed. */
const STALE_BUILD_MS = 60 * 60_000;

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path));
    else if (entry.isFile()) files.push(path);
  }
  return files.sort();
}

function sourceHash(): string {
  const hash = createHash("sha256");
  const inputs = [
    ...filesUnder(join(REPOSITORY_ROOT, "src")),
    ...["package.json", "tsconfig.json", "tsconfig.build.json", "bin/herald.js"].map((file) =>
      join(REPOSITORY_ROOT, file),
    ),
  ];
  for (const file of inputs) {
    hash.update(relative(REPOSITORY_ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

function removeStaleBuilds(keep: string): void {
  if (!existsSync(CACHE_DIR)) return;
  for (const name of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, name);
    if (name === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_BUILD_MS)
        rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run removed it first.
    }
  }
}

function compileInto(dir: string): void {
  mkdirSync(join(dir, "bin"), { recursive: true });
  // Node stops looking for a package scope at node_modules/, so the build needs its own package.json (the real
  // one: it says `"type": "module"`, and src/config/version.ts reads the version from it).
  copyFileSync(join(REPOSITORY_ROOT, "package.json"), join(dir, "package.json"));
  copyFileSync(join(REPOSITORY_ROOT, "bin/herald.js"), join(dir, "bin/herald.js"));
  // Only src/: the shipped program. rootDir stays the repository, so the layout matches dist/ (dist/src/…).
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(REPOSITORY_ROOT, "tsconfig.build.json"),
      compilerOptions: { outDir: join(dir, "dist"), rootDir: REPOSITORY_ROOT, sourceMap: false },
      include: [join(REPOSITORY_ROOT, "src")],
    }),
  );
  // Type errors are `npm run typecheck`'s business (and others may be mid-edit); tsc still emits.
  const result = spawnSync(
    process.execPath,
    [join(REPOSITORY_ROOT, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")],
    { cwd: REPOSITORY_ROOT, encoding: "utf8" },
  );
  if (!existsSync(join(dir, "dist/src/cli/main.js"))) {
    throw new Error(`building Herald failed:\n${result.stdout}${result.stderr}`);
  }
}

/** Builds Herald from the current sources (or reuses that build); returns the path of its bin/herald.js. */
export function buildHerald(): string {
  const hash = sourceHash();
  const target = join(CACHE_DIR, hash);
  const bin = join(target, "bin/herald.js");
  removeStaleBuilds(hash);
  if (existsSync(join(target, "dist/src/cli/main.js"))) return bin;
  const scratch = join(CACHE_DIR, `${hash}.building-${process.pid}-${Date.now()}`);
  try {
    compileInto(scratch);
    try {
      renameSync(scratch, target);
    } catch (error) {
      // Someone else finished the same build first; theirs is as good as ours.
      if (!existsSync(join(target, "dist/src/cli/main.js"))) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return bin;
}
