/**
 * Idle: a Herald in role `all` (API and delivery engine) with an application, three endpoints and nothing to
 * deliver, left alone. What it costs to keep running: its CPU share (the engine's backstop poll, timers) and its
 * resident memory. Measured after a settling pause, so the start-up's own work is left out.
 */
import { setTimeout as delay } from "node:timers/promises";
import { cpuShares, cpuSnapshot, describeCpu, isNoisy } from "../cpu-account.js";
import { createBenchApplication } from "../fixtures.js";
import type { Scenario } from "../scenario.js";

/**
 * The pause before the measured window. For some seconds after the allocation rate drops, V8 shrinks the heap
 * in its background threads (set-up's garbage, and in a full run the earlier runs'), which is not what idling
 * costs: a bench of idle alone measured 0.76% of a core from 1 s after set-up, 0.35% from 10 s.
 */
const SETTLE_MS = 10_000;
/** `--quick` checks that the scenario works, not the figure: its three runs must fit its two minutes. */
const QUICK_SETTLE_MS = 2_000;
/** Long enough to span several of the engine's idle polls (HERALD_DELIVERY_POLL_MS, 2 s by default). */
const FULL_MS = 20_000;
const QUICK_MS = 4_000;

export const idleScenario: Scenario = {
  name: "idle",
  description: "an idle Herald (API and engine, endpoints configured, nothing due): CPU share and memory",
  role: "all",
  backendIndependent: true,
  async run(bench, options) {
    // Endpoints exist, so the engine has something to look at on each poll, as in production.
    await createBenchApplication(bench, "https://receiver.invalid/hooks");
    // Start-up's garbage too: collected now, not by V8's background threads in the measured window.
    global.gc?.();
    const settleMs = options.quick ? QUICK_SETTLE_MS : SETTLE_MS;
    await delay(settleMs);
    const windowMs = options.quick ? QUICK_MS : FULL_MS;
    const before = await cpuSnapshot(null);
    await delay(windowMs);
    const cpu = cpuShares(before, await cpuSnapshot(null));
    const rssMb = process.memoryUsage().rss / (1024 * 1024);
    return {
      measurements: [
        { label: "Herald CPU", unit: "cores", value: cpu.herald },
        { label: "Herald RSS", unit: "MB", value: rssMb },
      ],
      notes: [
        `${(windowMs / 1000).toFixed(0)} s idle after a ${settleMs / 1000} s pause; ${describeCpu(cpu)}`,
        "RSS is the benchmark process's, which holds Herald and the runner",
      ],
      noisy: isNoisy(cpu),
    };
  },
};
