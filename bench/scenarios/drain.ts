/**
 * Drain: N messages × 3 endpoints are accepted with the delivery engine off (a Herald in role `api`, through
 * the message service — the API's own accept path, group commit included, minus HTTP), then a second Herald in
 * role `worker` on the same database starts and delivers everything to the receiver (a child process, so that
 * its CPU is not Herald's). Measured: from the worker's start until the receiver has every delivery and the
 * worker holds none (every outcome committed). The run is void unless the receiver got each delivery exactly
 * once and the delivery log holds exactly one successful attempt for each.
 */
import { baselineBody } from "../baseline-sender.js";
import { epochMs } from "../clock.js";
import { cpuShares, cpuSnapshot, describeCpu, isNoisy } from "../cpu-account.js";
import { attemptLogProblems, ledgerProblems, waitUntilDelivered } from "../delivery-checks.js";
import { BENCH_EVENT_TYPE, createBenchApplication, ENDPOINTS_PER_APP } from "../fixtures.js";
import { profiled } from "../profiler.js";
import { startReceiverProcess } from "../receiver.js";
import type { Scenario } from "../scenario.js";

/** Accepts submitted at once: the service's batcher turns them into transactions of up to 500. */
const ACCEPT_CHUNK = 5_000;
const STALL_MS = 15_000;

/** The ceiling's and bullmq's 1 KiB body, so the ratios between them compare like work. */
const payload = baselineBody;

export const drainScenario: Scenario = {
  name: "drain",
  description:
    "deliver N pre-accepted messages × 3 endpoints to a local receiver (worker Herald, every attempt recorded)",
  role: "api",
  async run(bench, options) {
    const messages = options.drainMessages;
    const expected = messages * ENDPOINTS_PER_APP;
    const receiver = await startReceiverProcess();
    try {
      const { appId, endpointIds } = await createBenchApplication(bench, receiver.url);

      const acceptStartedAt = Date.now();
      const acceptStarted = epochMs();
      for (let first = 0; first < messages; first += ACCEPT_CHUNK) {
        const accepts: Promise<unknown>[] = [];
        for (let seq = first; seq < Math.min(messages, first + ACCEPT_CHUNK); seq++) {
          accepts.push(
            bench.herald.services.messages.create(
              appId,
              {
                eventType: BENCH_EVENT_TYPE,
                eventId: null,
                channels: null,
                payload: payload(seq),
                retentionMs: null,
                application: null,
              },
              null,
            ),
          );
        }
        await Promise.all(accepts);
      }
      const acceptMs = epochMs() - acceptStarted;

      const worker = await bench.createPeer("worker");
      const engine = worker.engine;
      if (!engine) throw new Error("drain: the worker Herald has no delivery engine");
      global.gc?.();
      const cpuBefore = await cpuSnapshot(receiver);
      const started = epochMs();
      const finishedAt = await profiled(options.profileDir, `drain-${bench.backend}`, async () => {
        await worker.start();
        return await waitUntilDelivered(engine, receiver, expected, STALL_MS, epochMs);
      });
      const elapsedMs = (finishedAt ?? epochMs()) - started;
      const cpu = cpuShares(cpuBefore, await cpuSnapshot(receiver));
      const ledger = await receiver.ledger();
      await worker.stop();

      const problems = [
        ...(finishedAt === null ? [`no delivery arrived for ${STALL_MS / 1000} s; gave up`] : []),
        ...ledgerProblems(ledger, messages),
        ...(await attemptLogProblems(bench.herald.store, endpointIds, messages, acceptStartedAt - 1000)),
      ];
      const rate = expected / (elapsedMs / 1000);
      const notes = [
        `${messages.toLocaleString("en-US")} messages accepted in ${(acceptMs / 1000).toFixed(2)} s ` +
          `(${Math.round(messages / (acceptMs / 1000)).toLocaleString("en-US")}/s, message service, no HTTP), ` +
          `then ${expected.toLocaleString("en-US")} deliveries in ${(elapsedMs / 1000).toFixed(2)} s`,
        describeCpu(cpu),
      ];
      if (problems.length > 0) {
        notes.unshift(`VOID — ${problems.join("; ")} (measured ${Math.round(rate)} deliveries/s)`);
      } else {
        notes.push(
          `ledger exact: ${expected.toLocaleString("en-US")} sent = received, each once; ${expected.toLocaleString("en-US")} successful attempts recorded`,
        );
      }
      return {
        measurements: [
          { label: "deliveries", unit: "", value: expected },
          { label: "deliveries/s", unit: "", value: problems.length > 0 ? Number.NaN : rate },
          { label: "Herald CPU", unit: "cores", value: cpu.herald },
          { label: "Herald CPU per delivery", unit: "µs", value: (1000 * cpu.herald * elapsedMs) / expected },
          {
            // The engine's limit: claims, lanes and outcome writes; building, signing and sending are in send threads.
            label: "main thread per delivery",
            unit: "µs",
            value:
              cpu.heraldMainThread === null
                ? Number.NaN
                : (1000 * cpu.heraldMainThread * elapsedMs) / expected,
          },
        ],
        notes,
        noisy: isNoisy(cpu),
        ...(problems.length > 0 ? { void: problems.join("; ") } : {}),
      };
    } finally {
      await receiver.close();
    }
  },
};
