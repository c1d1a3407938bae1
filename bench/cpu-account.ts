/**
 * Where the machine's CPU went during a measured phase: Herald (this process), the receiver and the load
 * generator (child processes), the Postgres server, and whatever else ran — "other", which should be near
 * zero on a quiet machine; when it is not, the figures of that run are suspect, the notes say so, and
 * `--retry-noisy` measures the row again once the machine is quiet.
 */
import {
  cpuOfProcessesNamed,
  epochMs,
  machineCpuMs,
  machineIdleMs,
  mainThreadCpuMs,
  processCpuMs,
} from "./clock.js";
import type { ReceiverProcess } from "./receiver.js";

export interface CpuSnapshot {
  at: number;
  herald: number;
  /** Herald's main thread alone (part of `herald`); null where /proc does not tell. */
  heraldMainThread: number | null;
  receiver: number;
  postgres: number | null;
  machine: { busy: number; total: number };
  /** The machine's idle time, I/O waits included (clock.ts); null where /proc does not tell. */
  machineIdle: number | null;
}

/** Cores used on average (1 = one core fully busy). */
export interface CpuShares {
  herald: number;
  heraldMainThread: number | null;
  receiver: number;
  generator: number | null;
  postgres: number | null;
  other: number;
  /** Cores the machine left idle: how much headroom the run had. */
  idle: number | null;
  /** Cores of the machine. */
  cores: number;
}

/** Other processes using more than this many cores make a run suspect. */
const NOISE_CORES = 0.15;

/** `receiver`: the receiver child process, when the scenario has one. */
export async function cpuSnapshot(receiver: ReceiverProcess | null): Promise<CpuSnapshot> {
  const at = epochMs();
  const herald = processCpuMs();
  const heraldMainThread = mainThreadCpuMs();
  const postgres = cpuOfProcessesNamed("postgres");
  const machine = machineCpuMs();
  const machineIdle = machineIdleMs();
  const receiverCpuMs = receiver ? (await receiver.ledger()).cpuMs : 0;
  return { at, herald, heraldMainThread, receiver: receiverCpuMs, postgres, machine, machineIdle };
}

/** `generatorMs`: the generator's own CPU time over the same window, when there is one. */
export function cpuShares(
  before: CpuSnapshot,
  after: CpuSnapshot,
  generatorMs: number | null = null,
): CpuShares {
  const elapsed = after.at - before.at;
  const herald = (after.herald - before.herald) / elapsed;
  const heraldMainThread =
    before.heraldMainThread === null || after.heraldMainThread === null
      ? null
      : (after.heraldMainThread - before.heraldMainThread) / elapsed;
  const receiver = (after.receiver - before.receiver) / elapsed;
  const generator = generatorMs === null ? null : generatorMs / elapsed;
  const postgres =
    before.postgres === null || after.postgres === null ? null : (after.postgres - before.postgres) / elapsed;
  const busy = (after.machine.busy - before.machine.busy) / elapsed;
  const cores = Math.round((after.machine.total - before.machine.total) / elapsed);
  const other = Math.max(0, busy - herald - receiver - (generator ?? 0) - (postgres ?? 0));
  const idle =
    before.machineIdle === null || after.machineIdle === null
      ? null
      : (after.machineIdle - before.machineIdle) / elapsed;
  return { herald, heraldMainThread, receiver, generator, postgres, other, idle, cores };
}

export function isNoisy(shares: CpuShares): boolean {
  return shares.other > NOISE_CORES;
}

/** `heraldLabel` names what this process ran besides Herald, if anything. */
export function describeCpu(shares: CpuShares, heraldLabel = "Herald"): string {
  const mainThread =
    shares.heraldMainThread === null ? "" : ` (main thread ${shares.heraldMainThread.toFixed(2)})`;
  const parts = [`${heraldLabel} ${shares.herald.toFixed(2)}${mainThread}`];
  if (shares.receiver > 0) parts.push(`receiver ${shares.receiver.toFixed(2)}`);
  if (shares.generator !== null) parts.push(`generator ${shares.generator.toFixed(2)}`);
  if (shares.postgres !== null && shares.postgres >= 0.005)
    parts.push(`Postgres ${shares.postgres.toFixed(2)}`);
  parts.push(`other ${shares.other.toFixed(2)}`);
  if (shares.idle !== null) parts.push(`idle ${shares.idle.toFixed(2)}`);
  const noisy = isNoisy(shares)
    ? ` — NOISY: other processes used ${shares.other.toFixed(2)} cores; the figures above are suspect`
    : "";
  return `CPU, in cores of ${shares.cores}: ${parts.join(", ")}${noisy}`;
}

/**
 * Resolves once the whole machine has used less than the noise threshold for two seconds in a row, or after
 * `maxWaitMs`; true when it is quiet.
 */
export async function waitForQuiet(maxWaitMs: number): Promise<boolean> {
  const deadline = epochMs() + maxWaitMs;
  const sampleMs = 2000;
  while (epochMs() < deadline) {
    const before = machineCpuMs();
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const after = machineCpuMs();
    if ((after.busy - before.busy) / sampleMs < NOISE_CORES) return true;
  }
  return false;
}
