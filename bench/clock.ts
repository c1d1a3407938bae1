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
 * Idle time of the whole machine, summed over its cores, in milliseconds: idle plus waiting for I/O, from
 * /proc/stat; null where there is none. Read apart from `machineCpuMs`, because os.cpus() leaves out iowait,
 * softirq (the loopback's packet processing, a fair share of a loaded machine here) and steal: what it calls
 * idle would hide how close to saturation a run was.
 */
export function machineIdleMs(): number | null {
  try {
    return idleMsOfProcStat(readFileSync("/proc/stat", "latin1"));
  } catch {
    return null;
  }
}

/** The idle and iowait columns of /proc/stat's aggregate `cpu` line, in milliseconds; null without that line. */
export function idleMsOfProcStat(stat: string): number | null {
  const line = stat.split("\n").find((candidate) => candidate.startsWith("cpu "));
  // cpu user nice system idle iowait irq softirq steal …
  const [idle, iowait] = (line?.trim().split(/\s+/) ?? []).slice(4, 6).map(Number);
  if (idle === undefined || !Number.isFinite(idle)) return null;
  return ((idle + (iowait !== undefined && Number.isFinite(iowait) ? iowait : 0)) * 1000) / TICKS_PER_SECOND;
}

/** CPU time (user + system) in a /proc stat line, in milliseconds. */
function statCpuMs(stat: string): number {
  // "pid (comm) state ppid …": comm may contain spaces and parentheses, so split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
}

/**
 * CPU time of this process's main thread alone, in milliseconds (10 ms resolution), where Linux's /proc tells;
 * null elsewhere. Herald's main thread is the one that claims and records: what it uses per delivery, apart
 * from its send threads, is what limits the engine.
 */
export function mainThreadCpuMs(): number | null {
  try {
    return statCpuMs(readFileSync(`/proc/self/task/${process.pid}/stat`, "latin1"));
  } catch {
    return null;
  }
}

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
  let ms = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // ended meanwhile
    }
    if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) !== name) continue;
    ms += statCpuMs(stat);
  }
  return ms;
}
