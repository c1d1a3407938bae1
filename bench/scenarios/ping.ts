/**
 * Ping: the same clients on `GET /api/v1/health/ping` (no auth, no store). The HTTP ceiling of this machine, to
 * read the other scenarios against.
 */
import { cpuShares, cpuSnapshot, describeCpu, isNoisy } from "../cpu-account.js";
import { quantile, runLoad } from "../load.js";
import type { Scenario } from "../scenario.js";

export const pingScenario: Scenario = {
  name: "ping",
  description: "GET /api/v1/health/ping, the HTTP baseline (no auth, no database)",
  backendIndependent: true,
  role: "api",
  async run(bench, options) {
    const cpuBefore = await cpuSnapshot(null);
    const load = await runLoad({
      origin: bench.url,
      method: "GET",
      path: "/api/v1/health/ping",
      headers: {},
      bodyPrefix: "",
      bodySuffix: "",
      clients: options.clients,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      expectedStatus: 204,
    });
    const cpu = cpuShares(cpuBefore, await cpuSnapshot(null));
    const notes = [`${load.requests} requests measured over ${(load.elapsedMs / 1000).toFixed(1)} s`];
    if (load.errors > 0) notes.push(`${load.errors} request errors`);
    notes.push(describeCpu(cpu, "Herald and the load worker thread"));
    return {
      measurements: [
        { label: "requests/s", unit: "", value: load.requests / (load.elapsedMs / 1000) },
        { label: "API p50", unit: "ms", value: quantile(load.latencies, 0.5) },
        { label: "API p99", unit: "ms", value: quantile(load.latencies, 0.99) },
      ],
      notes,
      noisy: isNoisy(cpu),
    };
  },
};
