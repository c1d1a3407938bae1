/**
 * `npm run bench [-- --quick] [--scenario=accept,drain] [--backend=sqlite|postgres] [--clients=32] [--messages=20000]
 *   [--profile=<dir>] [--retry-noisy=N]`
 *
 * Runs each scenario on SQLite, and on Postgres when one answers at HERALD_BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test; each run gets a fresh schema). Prints a markdown table and writes it,
 * with the raw numbers, to bench/results/latest.{md,json}. `--profile` writes a CPU profile of each measured
 * delivery phase to <dir> (and figures taken under the profiler are not comparable, so latest.* is not written).
 * `--retry-noisy=N` measures a row again, up to N times, when other processes used the CPU meanwhile
 * (cpu-account.ts), after waiting for the machine to be quiet.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { postgresReachable, startBenchHerald, type Backend } from "./harness.js";
import { waitForQuiet } from "./cpu-account.js";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./scenario.js";
import { acceptScenario } from "./scenarios/accept.js";
import { drainScenario } from "./scenarios/drain.js";
import { latencyScenario } from "./scenarios/latency.js";
import { pingScenario } from "./scenarios/ping.js";

const SCENARIOS: readonly Scenario[] = [pingScenario, acceptScenario, drainScenario, latencyScenario];

interface Args {
  quick: boolean;
  scenarios: readonly Scenario[];
  backends: readonly Backend[] | null;
  clients: number;
  /** Messages the drain scenario pre-accepts; null: 20,000 (5,000 with `--quick`). */
  messages: number | null;
  profileDir: string | null;
  /** How many times a row measured on a noisy machine is measured again (after waiting for quiet). */
  retryNoisy: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    scenarios: SCENARIOS,
    backends: null,
    clients: 32,
    messages: null,
    profileDir: null,
    retryNoisy: 0,
  };
  for (const arg of argv) {
    const [name, value] = arg.split("=", 2);
    if (name === "--quick") args.quick = true;
    else if (name === "--scenario") {
      const wanted = (value ?? "").split(",");
      args.scenarios = SCENARIOS.filter((scenario) => wanted.includes(scenario.name));
      if (args.scenarios.length === 0)
        throw new Error(`unknown scenario "${value}"; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
    } else if (name === "--backend" && (value === "sqlite" || value === "postgres")) args.backends = [value];
    else if (name === "--clients" && /^\d+$/.test(value ?? "")) args.clients = Number(value);
    else if (name === "--profile" && value) args.profileDir = resolve(value);
    else if (name === "--retry-noisy" && /^\d+$/.test(value ?? "")) args.retryNoisy = Number(value);
    else if (name === "--messages" && /^[1-9]\d*$/.test(value ?? "")) args.messages = Number(value);
    else throw new Error(`unknown argument "${arg}"`);
  }
  return args;
}

function format(value: number): string {
  if (Number.isNaN(value)) return "n/a";
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function markdown(results: readonly ScenarioResult[], header: string): string {
  const lines = [header, ""];
  for (const scenario of SCENARIOS) {
    const rows = results.filter((result) => result.scenario === scenario.name);
    const first = rows[0];
    if (!first) continue;
    lines.push(`### ${scenario.name}: ${scenario.description}`, "");
    const columns = first.measurements.map((m) =>
      m.unit && !m.label.includes(m.unit) ? `${m.label} (${m.unit})` : m.label,
    );
    lines.push(`| backend | ${columns.join(" | ")} |`, `|---|${columns.map(() => "---:").join("|")}|`);
    for (const row of rows)
      lines.push(`| ${row.backend} | ${row.measurements.map((m) => format(m.value)).join(" | ")} |`);
    lines.push("");
    for (const row of rows)
      for (const note of row.notes)
        lines.push(`- ${row.backend}${row.variant === undefined ? "" : ` @ ${row.variant}`}: ${note}`);
    lines.push("");
  }
  return lines.join("\n");
}

/** One measurement of a scenario against a fresh Herald. */
async function runOnce(
  scenario: Scenario,
  backend: Backend,
  postgresUrl: string,
  options: ScenarioOptions,
  variant: string | undefined,
): Promise<Omit<ScenarioResult, "scenario" | "backend" | "variant">> {
  const bench = await startBenchHerald(backend, postgresUrl, scenario.role);
  try {
    return await scenario.run(bench, options, variant);
  } finally {
    await bench.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.profileDir !== null) mkdirSync(args.profileDir, { recursive: true });
  const postgresUrl = process.env["HERALD_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
  let backends = args.backends;
  if (backends === null) {
    backends = (await postgresReachable(postgresUrl)) ? ["sqlite", "postgres"] : ["sqlite"];
    if (backends.length === 1) console.error(`bench: no Postgres at ${postgresUrl}; SQLite only`);
  }

  const results: ScenarioResult[] = [];
  for (const scenario of args.scenarios) {
    for (const backend of scenario.backendIndependent ? backends.slice(0, 1) : backends) {
      for (const variant of scenario.variants ?? [undefined]) {
        const label = `${scenario.name}${variant === undefined ? "" : ` @ ${variant}`}`;
        console.error(`bench: ${label} on ${backend}${args.quick ? " (quick)" : ""}…`);
        const options: ScenarioOptions = {
          quick: args.quick,
          clients: args.clients,
          warmupMs: args.quick ? 500 : 2000,
          durationMs: args.quick ? 3000 : 15000,
          drainMessages: args.messages ?? (args.quick ? 5_000 : 20_000),
          profileDir: args.profileDir,
        };
        let outcome = await runOnce(scenario, backend, postgresUrl, options, variant);
        for (let retry = 1; outcome.noisy === true && retry <= args.retryNoisy; retry++) {
          console.error(`bench: ${label} on ${backend} was measured on a noisy machine; waiting for quiet…`);
          await waitForQuiet(120_000);
          outcome = await runOnce(scenario, backend, postgresUrl, options, variant);
          outcome.notes.push(
            `measured again (${retry} earlier attempt${retry > 1 ? "s" : ""} on a noisy machine)`,
          );
        }
        results.push({
          scenario: scenario.name,
          backend,
          ...(variant === undefined ? {} : { variant }),
          ...outcome,
        });
      }
    }
  }

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const environment = `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpu}, ${args.clients} clients${args.quick ? ", --quick" : ""}; accept/ping load in a worker thread of the bench process, drain/latency receiver and open-loop generator in child processes`;
  const report = markdown(results, `Herald benchmark (${environment})`);
  console.log(report);
  if (args.profileDir !== null) return;
  const directory = resolve(process.cwd(), "bench/results");
  mkdirSync(directory, { recursive: true });
  writeFileSync(resolve(directory, "latest.md"), report);
  writeFileSync(
    resolve(directory, "latest.json"),
    `${JSON.stringify({ environment, clients: args.clients, quick: args.quick, results }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
