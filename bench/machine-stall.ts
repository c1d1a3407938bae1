/**
 * A window in which the machine's cores were not all running or idle: cpu-account.ts counts user, system, irq
 * and idle time, so time a core spent waiting for the disk (iowait) or taken by the host (steal) is missing from
 * the total. A window that shows fewer cores than the machine has lost time that way — a stalled fsync holds up
 * SQLite's synchronous commits, and with them the whole Herald process — so its latencies say more about the
 * machine than about Herald. Seen on the shared bench machine as "in cores of 1" beside a 1.4 s event-loop stall.
 */
import { cpus } from "node:os";
import type { CpuShares } from "./cpu-account.js";

export const MACHINE_STALLED =
  "MACHINE STALLED: the cores were neither busy nor idle for part of the window (waiting for the disk, or taken " +
  "by the host), so the figures are suspect";

export function machineStalled(shares: CpuShares): boolean {
  return shares.cores < cpus().length;
}
