/**
 * `npm run bench [-- --quick] [--runs=3] [--scenario=accept,drain] [--variant=9k/s] [--backend=sqlite|postgres] [--clients=32]
 *   [--messages=20000] [--profile=<dir>] [--retry-noisy=N] [--herald=--<herald flag>=<value> …]`
 *
 * Runs each scenario on SQLite, and on Postgres when one answers at HERALD_BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test; each run gets a fresh schema). Every row (scenario × backend ×
 * variant) is measured `--runs` times, each against a fresh Herald, in rounds — every row once, then every row
 * again — so that a stretch of load from other processes lands in one run of many rows rather than in every run
 * of one. The report gives each figure's median and min–max over the valid runs; a void run (its ledger was not
 * exact, or it failed) counts in no figure and its reason is shown. The issue's targets are computed from the
 * medians of the same invocation (targets.ts).
 *
 * Writes the markdown and the JSON (with every run's numbers, the machine, versions and settings) to
 * bench/results/latest.{md,json}, or latest-quick.{md,json} with `--quick`, so that a quick check does not
 * overwrite a full run's figures. `--profile` writes a CPU profile of each measured delivery phase to <dir>
 * (one run by default; figures taken under the profiler are not comparable, so no results are written).
 * `--retry-noisy=N` measures a run again, up to N times, when other processes used the CPU meanwhile
 * (cpu-account.ts), after waiting for the machine to be quiet. `--herald` passes one of Herald's own flags to every
 * Herald the bench starts (e.g. `--herald=--delivery-send-threads=2`); such runs are not the defaults' figures, so
 * they go to latest-custom.{md,json} (latest-quick-custom with `--quick`). A run of part of the bench (`--scenario`,
 * `--variant`, `--backend`) writes latest-partial.{md,json} (latest-custom-partial, …) for the same reason.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseConfig, type HeraldConfig } from "../src/config/config.js";
import { epochMs } from "./clock.js";
import { waitForQuiet } from "./cpu-account.js";
import { collectVersions, describeMachine } from "./environment.js";
import { postgresReachable, startBenchHerald, type Backend } from "./harness.js";
import { buildReport, renderMarkdown, type BenchSettings } from "./report.js";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./scenario.js";
import { acceptScenario } from "./scenarios/accept.js";
import { backlogScenario } from "./scenarios/backlog.js";
import { bullmqScenario } from "./scenarios/bullmq.js";
import { ceilingScenario } from "./scenarios/ceiling.js";
import { drainScenario } from "./scenarios/drain.js";
import { fairnessScenario } from "./scenarios/fairness.js";
import { idleScenario } from "./scenarios/idle.js";
import { latencyScenario } from "./scenarios/latency.js";
import { pingScenario } from "./scenarios/ping.js";
import { summarizeRows, type RunRecord } from "./summary.js";
import { evaluateTargets } from "./targets.js";

/** In the order of a round: ceiling, drain and bullmq next to each other, as their ratios are targets. */
const SCENARIOS: readonly Scenario[] = [
  pingScenario,
  acceptScenario,
  ceilingScenario,
  drainScenario,
  bullmqScenario,
  latencyScenario,
  fairnessScenario,
  backlogScenario,
  idleScenario,
];

const LAYOUT =
  "accept/ping load in a worker thread of the bench process; the receiver (ceiling, drain, bullmq, latency) and " +
  "the open-loop generator (latency, fairness) and fairness's hanging receiver in child processes; the ceiling's sender and the BullMQ worker in the bench " +
  "process; backlog claims through the store of a Herald in the bench process";

/** Where the bullmq scenario finds its Redis (the issue's), whose version the report gives. */
const BULLMQ_REDIS_URL = "redis://127.0.0.1:6379";

interface Args {
  quick: boolean;
  scenarios: readonly Scenario[];
  backends: readonly Backend[] | null;
  /** Runs of every row; null: 3 (1 with `--profile`). */
  runs: number | null;
  clients: number;
  /** Messages the drain scenario pre-accepts; null: the default for full or quick runs. */
  messages: number | null;
  profileDir: string | null;
  /** How many times a run measured on a noisy machine is measured again (after waiting for quiet). */
  retryNoisy: number;
  /** Only these variants of the scenarios that have variants (`--variant=9k/s`); null: all. */
  variants: readonly string[] | null;
  /** Herald's own command-line flags (`--herald=--delivery-send-threads=2`), for every Herald the bench starts. */
  heraldFlags: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    scenarios: SCENARIOS,
    backends: null,
    runs: null,
    clients: 32,
    messages: null,
    profileDir: null,
    retryNoisy: 0,
    variants: null,
    heraldFlags: [],
  };
  for (const arg of argv) {
    if (arg.startsWith("--herald=")) {
      args.heraldFlags.push(arg.slice("--herald=".length));
      continue;
    }
    const [name, value] = arg.split("=", 2);
    if (name === "--quick") args.quick = true;
    else if (name === "--scenario") {
      const wanted = (value ?? "").split(",");
      const unknown = wanted.filter((want) => !SCENARIOS.some((scenario) => scenario.name === want));
      if (unknown.length > 0)
        throw new Error(
          `unknown scenario "${unknown.join(",")}"; known: ${SCENARIOS.map((s) => s.name).join(", ")}`,
        );
      args.scenarios = SCENARIOS.filter((scenario) => wanted.includes(scenario.name));
    } else if (name === "--backend" && (value === "sqlite" || value === "postgres")) args.backends = [value];
    else if (name === "--runs" && /^[1-9]\d*$/.test(value ?? "")) args.runs = Number(value);
    else if (name === "--clients" && /^\d+$/.test(value ?? "")) args.clients = Number(value);
    else if (name === "--profile" && value) args.profileDir = resolve(value);
    else if (name === "--retry-noisy" && /^\d+$/.test(value ?? "")) args.retryNoisy = Number(value);
    else if (name === "--variant" && value) args.variants = value.split(",");
    else if (name === "--messages" && /^[1-9]\d*$/.test(value ?? "")) args.messages = Number(value);
    else throw new Error(`unknown argument "${arg}"`);
  }
  const known = new Set(args.scenarios.flatMap((scenario) => scenario.variants ?? []));
  const unknownVariants = (args.variants ?? []).filter((variant) => !known.has(variant));
  if (unknownVariants.length > 0)
    throw new Error(`unknown variant "${unknownVariants.join(",")}"; known: ${[...known].join(", ")}`);
  return args;
}

/** A scenario's variants to run: `--variant` picks among those it has; a scenario without variants runs once. */
function selectedVariants(
  scenario: Scenario,
  wanted: readonly string[] | null,
): readonly (string | undefined)[] {
  if (scenario.variants === undefined) return [undefined];
  return wanted === null
    ? scenario.variants
    : scenario.variants.filter((variant) => wanted.includes(variant));
}

/**
 * The sizes every scenario gets. `--quick` is for checking that everything works (the issue: all of it, three
 * runs each, in under two minutes), so its sizes are as small as still gives every scenario something to measure.
 */
function scenarioOptions(args: Args): ScenarioOptions {
  return {
    quick: args.quick,
    clients: args.clients,
    warmupMs: args.quick ? 250 : 2000,
    durationMs: args.quick ? 1000 : 15000,
    drainMessages: args.messages ?? (args.quick ? 2_000 : 20_000),
    profileDir: args.profileDir,
  };
}

/** One run of a scenario against a fresh Herald; a run that throws is void, with the error as its reason. */
async function runOnce(
  scenario: Scenario,
  backend: Backend,
  postgresUrl: string,
  options: ScenarioOptions,
  variant: string | undefined,
  heraldConfig: HeraldConfig,
): Promise<Omit<ScenarioResult, "scenario" | "backend" | "variant">> {
  try {
    // The bench process holds every earlier run's garbage until V8 collects it, and V8's background threads would
    // do that during this run's measurement (CPU and resident memory counted as this Herald's).
    global.gc?.();
    const bench = await startBenchHerald(backend, postgresUrl, scenario.role, heraldConfig);
    try {
      return await scenario.run(bench, options, variant);
    } finally {
      await bench.stop();
    }
  } catch (error: unknown) {
    console.error("\n", error);
    const message = error instanceof Error ? error.message : String(error);
    return { measurements: [], notes: [], void: `the run failed: ${message.split("\n")[0]}` };
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const started = epochMs();
  const args = parseArgs(process.argv.slice(2));
  const runs = args.runs ?? (args.profileDir === null ? 3 : 1);
  const options = scenarioOptions(args);
  // Herald's own parser: an unknown or invalid flag stops the bench before it measures anything.
  const heraldConfig = parseConfig({}, args.heraldFlags);
  if (args.profileDir !== null) mkdirSync(args.profileDir, { recursive: true });
  const postgresUrl = process.env["HERALD_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
  let backends = args.backends;
  if (backends === null) {
    backends = (await postgresReachable(postgresUrl)) ? ["sqlite", "postgres"] : ["sqlite"];
    if (backends.length === 1) console.error(`bench: no Postgres at ${postgresUrl}; SQLite only`);
  }

  const records: RunRecord[] = [];
  for (let round = 1; round <= runs; round++) {
    for (const scenario of args.scenarios) {
      const firstOnly = scenario.backendIndependent || (args.quick && scenario.quickOnFirstBackend);
      for (const backend of firstOnly ? backends.slice(0, 1) : backends) {
        for (const variant of selectedVariants(scenario, args.variants)) {
          const label = `${scenario.name}${variant === undefined ? "" : ` @ ${variant}`} on ${backend}`;
          process.stderr.write(`bench: [${round}/${runs}] ${label}${args.quick ? " (quick)" : ""}… `);
          const runStarted = epochMs();
          let outcome = await runOnce(scenario, backend, postgresUrl, options, variant, heraldConfig);
          for (let retry = 1; outcome.noisy === true && retry <= args.retryNoisy; retry++) {
            console.error(`measured on a noisy machine; waiting for quiet…`);
            await waitForQuiet(120_000);
            outcome = await runOnce(scenario, backend, postgresUrl, options, variant, heraldConfig);
            outcome.notes.push(
              `measured again (${retry} earlier attempt${retry > 1 ? "s" : ""} on a noisy machine)`,
            );
          }
          const elapsedMs = epochMs() - runStarted;
          const reason = outcome.void;
          console.error(
            `${(elapsedMs / 1000).toFixed(1)} s${reason === undefined ? "" : ` — VOID: ${reason}`}`,
          );
          records.push({
            scenario: scenario.name,
            backend,
            ...(variant === undefined ? {} : { variant }),
            ...outcome,
            ...(reason === undefined ? {} : { void: reason }),
            round,
            elapsedMs,
          });
        }
      }
    }
  }

  const rows = summarizeRows(records);
  const settings: BenchSettings = {
    quick: args.quick,
    runs,
    clients: args.clients,
    drainMessages: options.drainMessages,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    retryNoisy: args.retryNoisy,
    backends: [...backends],
    scenarios: args.scenarios.map((scenario) => scenario.name),
    herald: Object.fromEntries(Object.entries(heraldConfig).filter(([key]) => key.startsWith("delivery"))),
    heraldFlags: [...args.heraldFlags],
    layout: LAYOUT,
  };
  const report = buildReport(
    {
      date: startedAt.toISOString(),
      elapsedMs: epochMs() - started,
      machine: describeMachine(),
      versions: await collectVersions(backends.includes("postgres") ? postgresUrl : null, BULLMQ_REDIS_URL),
      settings,
    },
    rows,
    evaluateTargets(rows),
  );
  const markdown = renderMarkdown(report, rows, SCENARIOS);
  console.log(markdown);
  console.error(
    `bench: ${records.length} run${records.length === 1 ? "" : "s"} in ${(report.elapsedMs / 1000).toFixed(1)} s`,
  );
  if (args.profileDir !== null) return;
  const directory = resolve(process.cwd(), "bench/results");
  // A run of part of the bench, or with other settings, must not overwrite the figures of a whole default run.
  const partial =
    args.scenarios.length < SCENARIOS.length || args.variants !== null || args.backends !== null;
  const base =
    (args.quick ? "latest-quick" : "latest") +
    (args.heraldFlags.length > 0 ? "-custom" : "") +
    (partial ? "-partial" : "");
  mkdirSync(directory, { recursive: true });
  writeFileSync(resolve(directory, `${base}.md`), markdown);
  writeFileSync(resolve(directory, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
