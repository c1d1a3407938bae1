/**
 * The runs of a benchmark invocation grouped into rows — one per scenario, backend and variant — each with the
 * median and min–max of every measurement over its valid runs. A void run (ledger not exact, …) counts for
 * nothing but its reason.
 */
import type { Backend } from "./harness.js";
import type { ScenarioResult } from "./scenario.js";
import { spread, type Spread } from "./stats.js";

/** One run of one row, against its own fresh Herald. */
export interface RunRecord extends ScenarioResult {
  /** 1-based: the runner measures every row once per round, so a row's runs are spread over the invocation. */
  round: number;
  /** Wall time of the run, set-up and tear-down included (what a `--quick` budget is spent on). */
  elapsedMs: number;
}

export interface FigureSummary {
  label: string;
  unit: string;
  /** Over the valid runs that measured it; null when none did. */
  spread: Spread | null;
}

export interface RowSummary {
  scenario: string;
  backend: Backend;
  variant?: string;
  runs: RunRecord[];
  /** The runs that count: not void. */
  valid: RunRecord[];
  /** Every label any run reported, in the order the scenario reports them. */
  figures: FigureSummary[];
}

export function rowKey(row: { scenario: string; backend: Backend; variant?: string }): string {
  return `${row.scenario}\u0000${row.backend}\u0000${row.variant ?? ""}`;
}

/** Rows in the order their first run was measured. */
export function summarizeRows(runs: readonly RunRecord[]): RowSummary[] {
  const rows = new Map<string, RowSummary>();
  for (const run of runs) {
    const key = rowKey(run);
    let row = rows.get(key);
    if (!row) {
      row = {
        scenario: run.scenario,
        backend: run.backend,
        ...(run.variant === undefined ? {} : { variant: run.variant }),
        runs: [],
        valid: [],
        figures: [],
      };
      rows.set(key, row);
    }
    row.runs.push(run);
    if (run.void === undefined) row.valid.push(run);
  }
  for (const row of rows.values()) {
    const units = new Map<string, string>();
    for (const run of row.runs)
      for (const measurement of run.measurements)
        if (!units.has(measurement.label)) units.set(measurement.label, measurement.unit);
    row.figures = [...units].map(([label, unit]) => ({
      label,
      unit,
      spread: spread(row.valid.map((run) => valueOf(run, label))),
    }));
  }
  return [...rows.values()];
}

function valueOf(run: RunRecord, label: string): number {
  return run.measurements.find((measurement) => measurement.label === label)?.value ?? Number.NaN;
}

/**
 * The valid run whose figures lie nearest the medians (each figure's distance scaled by its min–max), whose notes
 * the report prints for the row; null when every run was void.
 */
export function representativeRun(row: RowSummary): RunRecord | null {
  let best: RunRecord | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const run of row.valid) {
    let distance = 0;
    for (const { label, spread: figure } of row.figures) {
      const value = valueOf(run, label);
      if (figure === null || figure.max === figure.min || Number.isNaN(value)) continue;
      distance += Math.abs(value - figure.median) / (figure.max - figure.min);
    }
    if (distance < bestDistance) {
      best = run;
      bestDistance = distance;
    }
  }
  return best;
}
