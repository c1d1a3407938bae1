/**
 * Accept: API clients POST messages to one application with three subscribed endpoints as fast as Herald
 * answers. Measures accepted messages per second, API latency, and how many store transactions each message
 * cost (group commit shares one transaction among the accepts of an event-loop turn). The delivery engine is off
 * (role `api`), so this is the API and the store alone; `latency` measures accepting and delivering together.
 */
import { cpuShares, cpuSnapshot, describeCpu, isNoisy } from "../cpu-account.js";
import { createBenchApplication } from "../fixtures.js";
import { startBenchReceiver } from "../harness.js";
import { quantile, runLoad } from "../load.js";
import type { Scenario } from "../scenario.js";

export const acceptScenario: Scenario = {
  name: "accept",
  description: "POST /api/v1/app/{app}/msg, 3 endpoints subscribed",
  role: "api",
  async run(bench, options) {
    const receiver = await startBenchReceiver();
    try {
      const { appId } = await createBenchApplication(bench, receiver.url);

      const { metrics } = bench.herald.store;
      const before = { transactions: metrics.acceptTransactions, messages: metrics.acceptedMessages };
      const cpuBefore = await cpuSnapshot(null);
      const load = await runLoad({
        origin: bench.url,
        method: "POST",
        path: `/api/v1/app/${appId}/msg`,
        headers: { authorization: `Bearer ${bench.token}`, "content-type": "application/json" },
        bodyPrefix: '{"eventType":"invoice.paid","payload":{"invoice":{"id":"in_',
        bodySuffix:
          '","amount":4200,"currency":"eur","customer":"cus_8Kq2mD0x","lines":[{"sku":"pro-monthly","qty":1}]}}}',
        clients: options.clients,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        expectedStatus: 202,
      });
      const cpu = cpuShares(cpuBefore, await cpuSnapshot(null));
      const transactions = metrics.acceptTransactions - before.transactions;
      const messages = metrics.acceptedMessages - before.messages;

      const notes = [`${load.requests} messages measured over ${(load.elapsedMs / 1000).toFixed(1)} s`];
      if (load.errors > 0) notes.push(`${load.errors} request errors`);
      for (const [status, count] of Object.entries(load.unexpected))
        notes.push(`${count} responses with status ${status}`);
      notes.push(describeCpu(cpu, "Herald and the load worker thread"));
      return {
        measurements: [
          { label: "messages/s", unit: "", value: load.requests / (load.elapsedMs / 1000) },
          { label: "API p50", unit: "ms", value: quantile(load.latencies, 0.5) },
          { label: "API p99", unit: "ms", value: quantile(load.latencies, 0.99) },
          {
            label: "transactions/message",
            unit: "",
            value: messages === 0 ? Number.NaN : transactions / messages,
          },
        ],
        notes,
        noisy: isNoisy(cpu),
      };
    } finally {
      await receiver.close();
    }
  },
};
