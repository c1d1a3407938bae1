import type { Backend, BenchHerald } from "./harness.js";

export interface ScenarioOptions {
  quick: boolean;
  /** Concurrent API clients. */
  clients: number;
  /** Load before measuring starts (connections open, JIT warm), then the measured period. */
  warmupMs: number;
  durationMs: number;
}

/** One measured value: `unit` is shown in the table header. */
export interface Measurement {
  label: string;
  unit: string;
  value: number;
}

export interface ScenarioResult {
  scenario: string;
  backend: Backend;
  measurements: Measurement[];
  notes: string[];
}

/** A benchmark scenario, run once per backend against a fresh Herald. */
export interface Scenario {
  name: string;
  description: string;
  /** Measures nothing database-specific: run on the first backend only. */
  backendIndependent?: boolean;
  run(bench: BenchHerald, options: ScenarioOptions): Promise<Omit<ScenarioResult, "scenario" | "backend">>;
}
