/**
 * The benchmark's report: a markdown table per scenario (median and min–max of the valid runs, void runs named
 * with their reasons), the targets, and everything needed to read the figures — machine, versions, settings,
 * date — as markdown for people and as JSON with every run's raw numbers.
 */
import type { Machine, Versions } from "./environment.js";
import { ENDPOINTS_PER_APP } from "./fixtures.js";
import type { Backend } from "./harness.js";
import { formatValue, type Spread } from "./stats.js";
import type { Scenario } from "./scenario.js";
import { representativeRun, type RowSummary, type RunRecord } from "./summary.js";
import type { TargetOutcome } from "./targets.js";

export interface BenchSettings {
  quick: boolean;
  /** Runs of every row, each against a fresh Herald. */
  runs: number;
  clients: number;
  drainMessages: number;
  warmupMs: number;
  durationMs: number;
  retryNoisy: number;
  backends: Backend[];
  scenarios: string[];
  /** The Herald configuration values that shape delivery throughput (the defaults unless `heraldFlags` says). */
  herald: Record<string, unknown>;
  /** Herald flags given with `--herald`; empty: Herald ran on its defaults. */
  heraldFlags: string[];
  /** Which process generates load and receives deliveries in which scenario. */
  layout: string;
}

export interface BenchReport {
  /** ISO 8601, when the invocation started. */
  date: string;
  elapsedMs: number;
  machine: Machine;
  versions: Versions;
  settings: BenchSettings;
  targets: TargetOutcome[];
  rows: Array<{
    scenario: string;
    backend: Backend;
    variant?: string;
    figures: Array<{ label: string; unit: string } & (Spread | { median: null })>;
    runs: RunRecord[];
  }>;
}

export function buildReport(
  header: Omit<BenchReport, "targets" | "rows">,
  rows: readonly RowSummary[],
  targets: TargetOutcome[],
): BenchReport {
  return {
    ...header,
    targets,
    rows: rows.map((row) => ({
      scenario: row.scenario,
      backend: row.backend,
      ...(row.variant === undefined ? {} : { variant: row.variant }),
      figures: row.figures.map(({ label, unit, spread }) => ({
        label,
        unit,
        ...(spread ?? { median: null }),
      })),
      runs: row.runs,
    })),
  };
}

export function renderMarkdown(
  report: BenchReport,
  rows: readonly RowSummary[],
  scenarios: ReadonlyArray<Pick<Scenario, "name" | "description" | "backendIndependent">>,
): string {
  const { machine, versions, settings } = report;
  const lines = [
    `# Herald benchmark, ${report.date.slice(0, 16).replace("T", " ")} UTC${settings.quick ? " (--quick)" : ""}`,
    "",
    `- **Machine**: ${machine.cores} × ${machine.cpuModel}, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ` +
      `${machine.os} (${machine.kernel})`,
    `- **Versions**: ${describeVersions(versions)}`,
    `- **Settings**: ${describeSettings(settings)}`,
    `- **Load**: ${settings.layout}`,
    `- **Took** ${(report.elapsedMs / 1000).toFixed(0)} s`,
    "",
    `Each figure is the median of the row's valid runs, with their min–max in brackets. A run whose ledger was ` +
      `not exact (or that failed) is void: it counts in no figure, and its reason is listed under the table.`,
    "",
    "## Targets",
    "",
    "| target | measured | status | from |",
    "|---|---:|---|---|",
    ...report.targets.map(
      (target) =>
        `| ${target.name} | ${target.measured} | ${target.status}${target.noisy ? " (noisy)" : ""} | ${target.basis} |`,
    ),
    "",
  ];
  for (const scenario of scenarios) {
    const scenarioRows = rows.filter((row) => row.scenario === scenario.name);
    if (scenarioRows.length === 0) continue;
    lines.push(`## ${scenario.name}: ${scenario.description}`, "");
    const columns = new Map<string, string>();
    for (const row of scenarioRows)
      for (const figure of row.figures)
        if (!columns.has(figure.label)) columns.set(figure.label, figure.unit);
    // A scenario whose every run failed before measuring has no labels: one column says so.
    if (columns.size === 0) columns.set("figures", "");
    const headings = [...columns].map(([label, unit]) =>
      unit && !label.includes(unit) ? `${label} (${unit})` : label,
    );
    const hasVariants = scenarioRows.some((row) => row.variant !== undefined);
    lines.push(
      `| backend | ${hasVariants ? "variant | " : ""}runs | ${headings.join(" | ")} |`,
      `|---|${hasVariants ? "---|" : ""}---|${headings.map(() => "---:").join("|")}|`,
    );
    for (const row of scenarioRows) {
      const cells = [...columns.keys()].map((label) => {
        const figure = row.figures.find((candidate) => candidate.label === label);
        if (row.valid.length === 0) return "void";
        if (!figure) return "—";
        if (figure.spread === null) return "n/a";
        return describeSpread(figure.spread);
      });
      const variant = hasVariants ? `${row.variant ?? ""} | ` : "";
      // A backend-independent scenario ran beside the first backend, but used no database.
      const backend = scenario.backendIndependent ? "—" : row.backend;
      lines.push(`| ${backend} | ${variant}${describeRuns(row)} | ${cells.join(" | ")} |`);
    }
    lines.push("");
    for (const row of scenarioRows) {
      const name = scenario.backendIndependent
        ? (row.variant ?? scenario.name)
        : `${row.backend}${row.variant === undefined ? "" : ` @ ${row.variant}`}`;
      const voided = row.runs.filter((run) => run.void !== undefined);
      if (voided.length > 0)
        lines.push(
          `- ${name}: void (${voided.length} of ${row.runs.length}): ` +
            voided.map((run) => `run ${run.round}: ${run.void}`).join("; "),
        );
      const noisy = row.valid.filter((run) => run.noisy === true);
      if (noisy.length > 0)
        lines.push(
          `- ${name}: measured on a noisy machine (other processes used the CPU) in run${noisy.length > 1 ? "s" : ""} ` +
            `${noisy.map((run) => run.round).join(", ")}`,
        );
      const representative = representativeRun(row);
      if (representative && representative.notes.length > 0) {
        lines.push(`- ${name}, run ${representative.round} (the valid run nearest the medians):`);
        for (const note of representative.notes) lines.push(`  - ${note}`);
      }
    }
    lines.push("");
  }
  return lines.join("\n");
}

function describeSpread({ median, min, max }: Spread): string {
  if (min === max) return formatValue(median);
  return `${formatValue(median)} (${formatValue(min)}–${formatValue(max)})`;
}

function describeRuns(row: RowSummary): string {
  const extras: string[] = [];
  const voided = row.runs.length - row.valid.length;
  if (voided > 0) extras.push(`${voided} void`);
  const noisy = row.valid.filter((run) => run.noisy === true).length;
  if (noisy > 0) extras.push(`${noisy} noisy`);
  return `${row.valid.length}/${row.runs.length}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}`;
}

function describeVersions(versions: Versions): string {
  const parts = [`Node ${versions.node}`, `Herald ${versions.herald ?? "unknown"}`];
  for (const [name, version] of Object.entries(versions.packages))
    if (version !== null) parts.push(`${name} ${version}`);
  parts.push(`Postgres server ${versions.postgresServer ?? "not reachable"}`);
  parts.push(`Redis server ${versions.redisServer ?? "not reachable"}`);
  return parts.join(", ");
}

function describeSettings(settings: BenchSettings): string {
  const herald = Object.entries(settings.herald)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(", ");
  return [
    `${settings.runs} run${settings.runs === 1 ? "" : "s"} of every row (one round after another, each run against a fresh Herald` +
      `${settings.runs < 3 ? "; fewer than the 3 a median needs to outvote one disturbed run" : ""})`,
    `${settings.quick ? "quick sizes: " : ""}warm-up ${settings.warmupMs / 1000} s, measured ${settings.durationMs / 1000} s`,
    `drain ${settings.drainMessages.toLocaleString("en-US")} messages × ${ENDPOINTS_PER_APP} endpoints`,
    `${settings.clients} API clients`,
    `backends ${settings.backends.join(", ")}`,
    ...(settings.retryNoisy > 0 ? [`noisy runs measured again up to ${settings.retryNoisy} times`] : []),
    settings.heraldFlags.length === 0
      ? `Herald defaults: ${herald}`
      : `Herald settings (${settings.heraldFlags.join(" ")}): ${herald}`,
  ].join("; ");
}
