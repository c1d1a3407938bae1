/**
 * Accept: API clients POST messages to one application with three subscribed endpoints as fast as Herald
 * answers. Measures accepted messages per second, API latency, and how many store transactions each message
 * cost (group commit shares one transaction among the accepts of an event-loop turn).
 */
import { api, startBenchReceiver } from "../harness.js";
import { quantile, runLoad } from "../load.js";
import type { Scenario } from "../scenario.js";

export const acceptScenario: Scenario = {
  name: "accept",
  description: "POST /api/v1/app/{app}/msg, 3 endpoints subscribed",
  async run(bench, options) {
    const receiver = await startBenchReceiver();
    try {
      await api(bench, "POST", "/api/v1/event-type", {
        name: "invoice.paid",
        description: "An invoice was paid",
      });
      const app = await api(bench, "POST", "/api/v1/app", { name: "Bench app" });
      const appId = String(app["id"]);
      for (const index of [1, 2, 3]) {
        await api(bench, "POST", `/api/v1/app/${appId}/endpoint`, {
          url: `${receiver.url}/hook/${index}`,
          description: `endpoint ${index}`,
        });
      }

      const { metrics } = bench.herald.store;
      const before = { transactions: metrics.acceptTransactions, messages: metrics.acceptedMessages };
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
      const transactions = metrics.acceptTransactions - before.transactions;
      const messages = metrics.acceptedMessages - before.messages;

      const notes = [`${load.requests} messages measured over ${(load.elapsedMs / 1000).toFixed(1)} s`];
      if (load.errors > 0) notes.push(`${load.errors} request errors`);
      for (const [status, count] of Object.entries(load.unexpected))
        notes.push(`${count} responses with status ${status}`);
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
      };
    } finally {
      await receiver.close();
    }
  },
};
