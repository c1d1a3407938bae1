/**
 * `npm run bench [-- --quick] [--scenario=accept] [--backend=sqlite|postgres] [--clients=32]`
 *
 * Runs each scenario on SQLite, and on Postgres when one answers at HERALD_BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test; each run gets a fresh schema). Prints a markdown table and writes it,
 * with the raw numbers, to bench/results/latest.{md,json}.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { postgresReachable, startBenchHerald, type Backend } from "./harness.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import { acceptScenario } from "./scenarios/accept.js";
import { pingScenario } from "./scenarios/ping.js";

const SCENARIOS: readonly Scenario[] = [pingScenario, acceptScenario];

interface Args {
  quick: boolean;
  scenarios: readonly Scenario[];
  backends: readonly Backend[] | null;
  clients: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, scenarios: SCENARIOS, backends: null, clients: 32 };
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
    for (const row of rows) for (const note of row.notes) lines.push(`- ${row.backend}: ${note}`);
    lines.push("");
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const postgresUrl = process.env["HERALD_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
  let backends = args.backends;
  if (backends === null) {
    backends = (await postgresReachable(postgresUrl)) ? ["sqlite", "postgres"] : ["sqlite"];
    if (backends.length === 1) console.error(`bench: no Postgres at ${postgresUrl}; SQLite only`);
  }

  const results: ScenarioResult[] = [];
  for (const scenario of args.scenarios) {
    for (const backend of scenario.backendIndependent ? backends.slice(0, 1) : backends) {
      console.error(`bench: ${scenario.name} on ${backend}${args.quick ? " (quick)" : ""}…`);
      const bench = await startBenchHerald(backend, postgresUrl);
      try {
        const outcome = await scenario.run(bench, {
          quick: args.quick,
          clients: args.clients,
          warmupMs: args.quick ? 500 : 2000,
          durationMs: args.quick ? 3000 : 15000,
        });
        results.push({ scenario: scenario.name, backend, ...outcome });
      } finally {
        await bench.stop();
      }
    }
  }

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const environment = `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpu}, ${args.clients} clients${args.quick ? ", --quick" : ""}; load generator in a worker thread of the same process`;
  const report = markdown(results, `Herald benchmark (${environment})`);
  const directory = resolve(process.cwd(), "bench/results");
  mkdirSync(directory, { recursive: true });
  writeFileSync(resolve(directory, "latest.md"), report);
  writeFileSync(
    resolve(directory, "latest.json"),
    `${JSON.stringify({ environment, clients: args.clients, quick: args.quick, results }, null, 2)}\n`,
  );
  console.log(report);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
