/**
 * Ceiling: the limit of this machine for Herald's work without Herald — the baseline sender (baseline-sender.ts:
 * an HMAC per request and a POST of a 1 KiB body through an undici `Pool` set up as Herald's) sends the same
 * number of deliveries as the drain scenario (N messages × 3 endpoints) straight to the same receiver child
 * process, with at most as many in flight as Herald's default, and stores nothing. Measured: from the first
 * request until the last response, and the CPU this process spent per delivery. The run is void unless every
 * request was answered 200 and the receiver got each delivery exactly once.
 */
import { epochMs } from "../clock.js";
import { cpuShares, cpuSnapshot, describeCpu, isNoisy } from "../cpu-account.js";
import {
  BASELINE_BODY_BYTES,
  BASELINE_MAX_IN_FLIGHT,
  BaselineSender,
  baselineBody,
  baselineMessageId,
  endpointPath,
  runBounded,
} from "../baseline-sender.js";
import { ledgerProblems } from "../delivery-checks.js";
import { ENDPOINTS_PER_APP } from "../fixtures.js";
import { profiled } from "../profiler.js";
import { startReceiverProcess } from "../receiver.js";
import type { Scenario } from "../scenario.js";

export const ceilingScenario: Scenario = {
  name: "ceiling",
  description:
    "no Herald: N × 3 signed 1 KiB POSTs from an undici Pool straight to the receiver, no storage — the machine's limit for this work",
  role: "api",
  backendIndependent: true,
  async run(_bench, options) {
    const messages = options.drainMessages;
    const expected = messages * ENDPOINTS_PER_APP;
    const receiver = await startReceiverProcess();
    const sender = new BaselineSender(receiver.url);
    try {
      let answeredOk = 0;
      let otherStatuses = 0;
      let errors = 0;
      let firstError: string | null = null;

      global.gc?.();
      const cpuBefore = await cpuSnapshot(receiver);
      const started = epochMs();
      await profiled(options.profileDir, "ceiling", () =>
        runBounded(expected, BASELINE_MAX_IN_FLIGHT, async (index) => {
          // Message-major order, as Herald fans a message out to its endpoints.
          const seq = Math.floor(index / ENDPOINTS_PER_APP);
          try {
            const status = await sender.send({
              path: endpointPath(index % ENDPOINTS_PER_APP),
              msgId: baselineMessageId(seq),
              body: baselineBody(seq),
            });
            if (status === 200) answeredOk++;
            else otherStatuses++;
          } catch (error) {
            errors++;
            firstError ??= error instanceof Error ? error.message : String(error);
          }
        }),
      );
      const elapsedMs = epochMs() - started;
      const cpu = cpuShares(cpuBefore, await cpuSnapshot(receiver));
      const ledger = await receiver.ledger();

      const problems = [
        ...(errors > 0 ? [`${errors} requests failed (first: ${firstError})`] : []),
        ...(otherStatuses > 0
          ? [`${otherStatuses} requests were answered with a status other than 200`]
          : []),
        ...ledgerProblems(ledger, messages),
      ];
      const rate = expected / (elapsedMs / 1000);
      const notes = [
        `${expected.toLocaleString("en-US")} requests (${messages.toLocaleString("en-US")} messages × ${ENDPOINTS_PER_APP} endpoints, ` +
          `${BASELINE_BODY_BYTES}-byte bodies, HMAC-SHA256 per request, at most ${BASELINE_MAX_IN_FLIGHT} in flight) ` +
          `in ${(elapsedMs / 1000).toFixed(2)} s, connections opened within the measured time as in drain`,
        describeCpu(cpu, "sender (this process)"),
      ];
      if (problems.length > 0) {
        notes.unshift(`VOID — ${problems.join("; ")} (measured ${Math.round(rate)} deliveries/s)`);
      } else {
        notes.push(
          `ledger exact: ${expected.toLocaleString("en-US")} sent = received, each once, all answered 200 (${answeredOk.toLocaleString("en-US")})`,
        );
      }
      return {
        measurements: [
          { label: "deliveries", unit: "", value: expected },
          { label: "deliveries/s", unit: "", value: problems.length > 0 ? Number.NaN : rate },
          { label: "sender CPU", unit: "cores", value: cpu.herald },
          { label: "sender CPU per delivery", unit: "µs", value: (1000 * cpu.herald * elapsedMs) / expected },
        ],
        notes,
        noisy: isNoisy(cpu),
        ...(problems.length > 0 ? { void: problems.join("; ") } : {}),
      };
    } finally {
      await sender.close();
      await receiver.close();
    }
  },
};
