/**
 * The clock every bench process stamps with: epoch milliseconds with sub-millisecond resolution. Each process's
 * `performance.timeOrigin` is the wall clock at its start and `performance.now()` runs monotonically from it,
 * so stamps taken in different processes compare directly (`clockOffsetMs` checks how closely).
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The other process's clock minus ours, from the exchange with the smallest round trip among `samples` (its
 * error is at most half that round trip).
 */
export async function clockOffsetMs(
  readRemote: () => Promise<number>,
  samples = 7,
): Promise<{ offsetMs: number; roundTripMs: number }> {
  let best = { offsetMs: Number.NaN, roundTripMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < samples; i++) {
    const sent = epochMs();
    const remote = await readRemote();
    const back = epochMs();
    if (back - sent < best.roundTripMs)
      best = { offsetMs: remote - (sent + back) / 2, roundTripMs: back - sent };
  }
  return best;
}

/** CPU time of this process (all its threads) in milliseconds. */
export function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Busy and total CPU time of the whole machine, summed over its cores, in milliseconds. */
export function machineCpuMs(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + idle + irq;
  }
  return { busy, total };
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (ms) of every process whose command name is `name` (e.g. the Postgres server's processes), from
 * /proc; null where there is no /proc. Processes that end between two readings take their time with them, so
 * this undercounts short-lived ones.
 */
export function cpuOfProcessesNamed(name: string): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  let ticks = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid …": comm may contain spaces and parentheses, so split after the last ")".
    const close = stat.lastIndexOf(")");
    if (stat.slice(stat.indexOf("(") + 1, close) !== name) continue;
    const fields = stat.slice(close + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
