import type { Role } from "../src/config/config.js";
import type { Backend, BenchHerald } from "./harness.js";

export interface ScenarioOptions {
  quick: boolean;
  /** Concurrent API clients. */
  clients: number;
  /** Load before measuring starts (connections open, JIT warm), then the measured period. */
  warmupMs: number;
  durationMs: number;
  /** Messages the drain scenario accepts before it starts delivering (each fans out to three endpoints). */
  drainMessages: number;
  /** Where to write CPU profiles of the measured phases (`--profile=<dir>`); null: no profiling. */
  profileDir: string | null;
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
  /** Which variant of the scenario this row measured (e.g. a target rate); absent when it has none. */
  variant?: string;
  measurements: Measurement[];
  notes: string[];
  /** Other processes used a noticeable share of the CPU while this row was measured (cpu-account.ts). */
  noisy?: boolean;
  /**
   * Why this run's figures cannot be used — the ledger was not exact, deliveries stopped arriving, … — in one
   * sentence; absent when they can. The runner leaves void runs out of the medians and shows the reason.
   */
  void?: string;
}

/** A benchmark scenario, run once per backend (and per variant) against a fresh Herald. */
export interface Scenario {
  name: string;
  description: string;
  /** The role of the Herald it runs against: `api` leaves the delivery engine off. */
  role: Exclude<Role, "worker">;
  /** Measures nothing database-specific: run on the first backend only. */
  backendIndependent?: boolean;
  /** With `--quick`, run on the first backend only (keeps `--quick` under two minutes; a full run covers both). */
  quickOnFirstBackend?: boolean;
  /** Run once per entry, each against a fresh Herald; `run` gets the entry. */
  variants?: readonly string[];
  run(
    bench: BenchHerald,
    options: ScenarioOptions,
    variant: string | undefined,
  ): Promise<Omit<ScenarioResult, "scenario" | "backend" | "variant">>;
}
