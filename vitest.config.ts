import { defineConfig } from "vitest/config";

// Sized for the 2-core CI machine: two forked workers (forks, not threads, because better-sqlite3 and pg hold
// native handles and sockets that are simplest to reason about per process).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 15_000,
  },
});
