/**
 * The issue's performance targets, computed from the medians of the invocation that measured them — the ratios
 * from figures measured side by side on the same machine and load, as the issue asks. Each target names its
 * figures by scenario, backend, variant and measurement label; a figure no row has (the scenario was not run, a
 * label was renamed, every run was void) makes the target "not measured", never an error.
 */
import type { Backend } from "./harness.js";
import { formatValue } from "./stats.js";
import type { RowSummary } from "./summary.js";

/** One figure of the report: the median of a measurement in one row. */
export interface FigureRef {
  scenario: string;
  /** Absent: the first backend the scenario ran on (backend-independent scenarios run on one only). */
  backend?: Backend;
  /** Absent: the row without a variant. */
  variant?: string;
  label: string;
}

/** How a target's value reads: a ratio as a percentage or a multiple, or a figure in its unit. */
type Display = "percent" | "times" | "ms" | "MB" | "percent of a core";

export interface TargetDefinition {
  /** The target as the issue states it. */
  name: string;
  figure: FigureRef;
  /** Present: the target is the ratio figure ÷ per. */
  per?: FigureRef;
  comparison: "≥" | "≤" | "<";
  /** In the figure's own terms: a ratio (0.5 for 50%), milliseconds, megabytes, cores. */
  threshold: number;
  display: Display;
  /**
   * A figure that must reach a size for the target to be tested at all — `--quick` measures smaller backlogs,
   * say — else the target is "not measured" and says why.
   */
  requires?: { figure: FigureRef; atLeast: number };
}

export type TargetStatus = "met" | "not met" | "not measured";

export interface TargetOutcome {
  name: string;
  status: TargetStatus;
  /** The computed value in the threshold's terms; null when not measured. */
  value: number | null;
  /** The value as the report prints it, with the threshold: "48% (≥ 50%)". */
  measured: string;
  /** The figures it was computed from, or why it was not measured. */
  basis: string;
  /** A run counted in one of its figures was measured while other processes used the CPU. */
  noisy: boolean;
}

const drainOn = (backend: Backend): FigureRef => ({ scenario: "drain", backend, label: "deliveries/s" });
const ceiling: FigureRef = { scenario: "ceiling", label: "deliveries/s" };
const latencyAt = (variant: string, label: string): FigureRef => ({
  scenario: "latency",
  backend: "sqlite",
  variant,
  label,
});
const backlogOf = (backend: Backend, variant: string, label: string): FigureRef => ({
  scenario: "backlog",
  backend,
  variant,
  label,
});

/** The healthy endpoints' p99 with one hanging endpoint ÷ without, on `backend`. */
function fairnessTarget(backend: Backend): TargetDefinition {
  return {
    name: `one hanging endpoint moves the healthy endpoints' p99 by less than 2× (${backend === "sqlite" ? "SQLite" : "Postgres"})`,
    figure: { scenario: "fairness", backend, variant: "with", label: "p99" },
    per: { scenario: "fairness", backend, variant: "without", label: "p99" },
    comparison: "<",
    threshold: 2,
    display: "times",
  };
}

/** Claim cost at 1M pending ÷ at 10k, by `label` ("claim p50" as built, or after ANALYZE on Postgres). */
function backlogTarget(backend: Backend, label: string, name: string): TargetDefinition {
  return {
    name,
    figure: backlogOf(backend, "1M", label),
    per: backlogOf(backend, "10k", label),
    comparison: "≤",
    threshold: 2,
    display: "times",
    requires: { figure: backlogOf(backend, "1M", "pending deliveries"), atLeast: 1_000_000 },
  };
}

export const TARGETS: readonly TargetDefinition[] = [
  {
    name: "herald-sqlite drain ≥ 50% of the ceiling",
    figure: drainOn("sqlite"),
    per: ceiling,
    comparison: "≥",
    threshold: 0.5,
    display: "percent",
  },
  {
    name: "herald-postgres drain ≥ 30% of the ceiling",
    figure: drainOn("postgres"),
    per: ceiling,
    comparison: "≥",
    threshold: 0.3,
    display: "percent",
  },
  {
    name: "herald-sqlite drain ≥ 2× the bullmq drain",
    figure: drainOn("sqlite"),
    per: { scenario: "bullmq", label: "deliveries/s" },
    comparison: "≥",
    threshold: 2,
    display: "times",
  },
  {
    name: "p99 ≤ 5 ms at 3k deliveries/s on SQLite",
    figure: latencyAt("3k/s", "p99"),
    comparison: "≤",
    threshold: 5,
    display: "ms",
  },
  {
    name: "p99 ≤ 20 ms at 9k deliveries/s on SQLite",
    figure: latencyAt("9k/s", "p99"),
    comparison: "≤",
    threshold: 20,
    display: "ms",
  },
  {
    name: "RSS ≤ 300 MB at 9k deliveries/s on SQLite",
    figure: latencyAt("9k/s", "Herald RSS"),
    comparison: "≤",
    threshold: 300,
    display: "MB",
  },
  {
    name: "an idle Herald below 1% CPU",
    figure: { scenario: "idle", backend: "sqlite", label: "Herald CPU" },
    comparison: "<",
    threshold: 0.01,
    display: "percent of a core",
  },
  fairnessTarget("sqlite"),
  fairnessTarget("postgres"),
  backlogTarget("sqlite", "claim p50", "claim cost at 1M pending within 2× of 10k pending (SQLite)"),
  backlogTarget(
    "postgres",
    "claim p50",
    "claim cost at 1M pending within 2× of 10k pending (Postgres, as built)",
  ),
  backlogTarget(
    "postgres",
    "analyzed: claim p50",
    "claim cost at 1M pending within 2× of 10k pending (Postgres, after ANALYZE)",
  ),
];

interface Found {
  median: number;
  noisy: boolean;
  /** "drain on sqlite deliveries/s 5,665". */
  text: string;
}

export function evaluateTargets(
  rows: readonly RowSummary[],
  targets: readonly TargetDefinition[] = TARGETS,
): TargetOutcome[] {
  return targets.map((target) => {
    const missing: string[] = [];
    const lookup = (ref: FigureRef): Found | null => {
      const found = find(rows, ref);
      if ("missing" in found && !missing.includes(found.missing)) missing.push(found.missing);
      return "missing" in found ? null : found;
    };
    const figure = lookup(target.figure);
    const per = target.per === undefined ? undefined : lookup(target.per);
    const size = target.requires === undefined ? undefined : lookup(target.requires.figure);
    if (target.requires !== undefined && size && size.median < target.requires.atLeast)
      missing.push(
        `${size.text}, fewer than the ${formatValue(target.requires.atLeast)} the target is about`,
      );
    const value = figure === null || per === null ? Number.NaN : figure.median / (per?.median ?? 1);
    if (figure === null || per === null || missing.length > 0 || Number.isNaN(value))
      return {
        name: target.name,
        status: "not measured",
        value: null,
        measured: "—",
        basis: missing.length > 0 ? missing.join("; ") : "the figures give no value",
        noisy: false,
      };
    const met =
      target.comparison === "≥"
        ? value >= target.threshold
        : target.comparison === "≤"
          ? value <= target.threshold
          : value < target.threshold;
    return {
      name: target.name,
      status: met ? "met" : "not met",
      value,
      measured: `${show(value, target.display)} (${target.comparison} ${show(target.threshold, target.display)})`,
      basis: per === undefined ? figure.text : `${figure.text} ÷ ${per.text}`,
      noisy: figure.noisy || per?.noisy === true,
    };
  });
}

function find(rows: readonly RowSummary[], ref: FigureRef): Found | { missing: string } {
  const name = `${ref.scenario}${ref.backend === undefined ? "" : ` on ${ref.backend}`}${ref.variant === undefined ? "" : ` @ ${ref.variant}`}`;
  const row = rows.find(
    (candidate) =>
      candidate.scenario === ref.scenario &&
      (ref.backend === undefined || candidate.backend === ref.backend) &&
      candidate.variant === ref.variant,
  );
  if (!row) return { missing: `${name} was not run` };
  const figure = row.figures.find((candidate) => candidate.label === ref.label);
  if (!figure) return { missing: `${name} reports no "${ref.label}"` };
  if (figure.spread === null)
    return {
      missing:
        row.valid.length === 0
          ? `${name}: every run was void`
          : `${name}: "${ref.label}" was measured in no valid run`,
    };
  const unit = figure.unit === "" ? "" : ` ${figure.unit}`;
  return {
    median: figure.spread.median,
    noisy: row.valid.some((run) => run.noisy === true),
    text: `${name} ${ref.label} ${formatValue(figure.spread.median)}${unit}`,
  };
}

function show(value: number, display: Display): string {
  switch (display) {
    case "percent":
      return `${Math.round(value * 100)}%`;
    case "times":
      return `${value.toFixed(2)}×`;
    case "ms":
      return `${formatValue(value)} ms`;
    case "MB":
      return `${Math.round(value)} MB`;
    case "percent of a core":
      return `${(value * 100).toFixed(2)}% of a core`;
  }
}
