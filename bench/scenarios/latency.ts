/**
 * Latency: an open-loop generator (a child process) posts messages to the API on a fixed schedule — a third of
 * the target rate, since each message fans out to three endpoints — to one Herald in role `all` (API and
 * delivery engine in one process, the embedded default). Each payload carries the time its message was due;
 * the receiver (another child process) subtracts it from the time each delivery arrived, so a delivery's
 * latency covers the whole path: the generator's own lag, the HTTP accept, the group commit, the wake-up, the
 * claim, signing, sending. Deliveries of messages due in the warm-up are left out. The run is void unless every
 * accepted message reached each endpoint exactly once and the delivery log holds one successful attempt each.
 */
import { clockOffsetMs, epochMs } from "../clock.js";
import { cpuShares, cpuSnapshot, describeCpu, isNoisy, type CpuSnapshot } from "../cpu-account.js";
import { attemptLogProblems, ledgerProblems, waitUntilDelivered } from "../delivery-checks.js";
import { BENCH_EVENT_TYPE, createBenchApplication, ENDPOINTS_PER_APP } from "../fixtures.js";
import { quantile } from "../load.js";
import { startOpenLoopGenerator } from "../open-loop.js";
import { profiled } from "../profiler.js";
import { startReceiverProcess } from "../receiver.js";
import type { Scenario } from "../scenario.js";
import type { HeraldConfig } from "../../src/config/config.js";
import type { DeliveryEngineStats } from "../../src/delivery/engine.js";
import type { StoreMetrics } from "../../src/store/store.js";

/** Target deliveries per second, by variant name. */
const TARGETS: Readonly<Record<string, number>> = { "1k/s": 1000, "3k/s": 3000, "9k/s": 9000 };
/** How often the resident memory (its peak is reported) and the engine's state are sampled in the measured window. */
const RSS_SAMPLE_MS = 100;
const MIN_WARMUP_MS = 1000;
const STALL_MS = 10_000;
/** Time for the generator to get ready before the first message is due. */
const LEAD_MS = 200;

export const latencyScenario: Scenario = {
  name: "latency",
  quickOnFirstBackend: true,
  description:
    "open-loop POSTs at a fixed rate (1 message = 3 deliveries); latency = receipt − scheduled send time",
  role: "all",
  variants: Object.keys(TARGETS),
  async run(bench, options, variant) {
    const target = TARGETS[variant ?? ""];
    if (target === undefined) throw new Error(`latency: unknown variant ${variant}`);
    const engine = bench.herald.engine;
    if (!engine) throw new Error("latency: Herald runs no delivery engine");
    const messagesPerSecond = target / ENDPOINTS_PER_APP;
    const warmupMs = Math.max(options.warmupMs, MIN_WARMUP_MS);
    const { durationMs } = options;

    const receiver = await startReceiverProcess();
    const generator = await startOpenLoopGenerator();
    try {
      const { appId, endpointIds } = await createBenchApplication(bench, receiver.url);
      const receiverClock = await clockOffsetMs(() => receiver.clock());
      const generatorClock = await clockOffsetMs(() => generator.clock());

      const startedAtWall = Date.now();
      const startAt = epochMs() + LEAD_MS;
      const measureFrom = startAt + warmupMs;
      const measureTo = measureFrom + durationMs;
      const count = Math.ceil(((warmupMs + durationMs) * messagesPerSecond) / 1000);

      // CPU readings at both ends of the measured window.
      const readings = [measureFrom, measureTo].map(
        (at) =>
          new Promise<CpuSnapshot>((resolve, reject) =>
            setTimeout(() => cpuSnapshot(receiver).then(resolve, reject), at - epochMs()),
          ),
      );

      // Peak resident memory over the measured window (Herald shares this process with the runner only), and
      // where the engine's deliveries were.
      let peakRss = 0;
      const engineSamples: DeliveryEngineStats[] = [];
      const rssSampler = setInterval(() => {
        const now = epochMs();
        if (now < measureFrom || now >= measureTo) return;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        engineSamples.push(engine.stats());
      }, RSS_SAMPLE_MS);
      // A run that throws must not leave the sampler holding the process open.
      rssSampler.unref();

      const storeBefore = { ...bench.herald.store.metrics };
      const profileName = `latency-${bench.backend}-${target}`;
      const load = await profiled(options.profileDir, profileName, () =>
        generator.run({
          origin: bench.url,
          path: `/api/v1/app/${appId}/msg`,
          headers: { authorization: `Bearer ${bench.token}`, "content-type": "application/json" },
          eventType: BENCH_EVENT_TYPE,
          messagesPerSecond,
          startAt,
          count,
          connections: 64,
          measureFrom,
          measureTo,
        }),
      );
      const expected = load.accepted * ENDPOINTS_PER_APP;
      const finishedAt = await waitUntilDelivered(engine, receiver, expected, STALL_MS, epochMs);
      clearInterval(rssSampler);
      const transactions = transactionsPerMessage(storeBefore, bench.herald.store.metrics);

      const ledger = await receiver.ledger();
      const samples = await receiver.samples();
      // Achieved rate: the deliveries of messages due in the window, over the time from the window's start until
      // the last of them arrived. Herald keeping up gives the target; falling behind stretches the time.
      const latencies: number[] = [];
      let lastWindowArrival = measureFrom;
      for (let i = 0; i < samples.scheduledAt.length; i++) {
        const scheduled = samples.scheduledAt[i] as number;
        const received = samples.receivedAt[i] as number;
        if (scheduled < measureFrom || scheduled >= measureTo) continue;
        latencies.push(received - scheduled);
        lastWindowArrival = Math.max(lastWindowArrival, received);
      }
      const latency = Float64Array.from(latencies);
      const achieved = latencies.length / (Math.max(durationMs, lastWindowArrival - measureFrom) / 1000);
      const sendLag: number[] = [];
      const acceptedAfter: number[] = [];
      for (let seq = 0; seq < count; seq++) {
        const due = startAt + (seq * 1000) / messagesPerSecond;
        if (due < measureFrom || due >= measureTo) continue;
        sendLag.push(load.sendLagMs[seq] as number);
        const ack = load.acceptedAfterMs[seq] as number;
        if (!Number.isNaN(ack)) acceptedAfter.push(ack);
      }

      const problems = [
        ...(finishedAt === null ? [`deliveries stopped arriving for ${STALL_MS / 1000} s; gave up`] : []),
        ...(load.accepted !== count
          ? [`${count - load.accepted} of ${count} messages were not accepted`]
          : []),
        ...Object.entries(load.unexpected).map(([status, n]) => `${n} answers with status ${status}`),
        ...(load.errors > 0 ? [`${load.errors} request errors`] : []),
        ...ledgerProblems(ledger, load.accepted),
        ...(await attemptLogProblems(bench.herald.store, endpointIds, load.accepted, startedAtWall - 1000)),
      ];

      const [first, last] = await Promise.all(readings);
      const cpu = first && last ? cpuShares(first, last, load.windowCpuMs) : null;
      const ms = (values: readonly number[], q: number) => quantile(Float64Array.from(values), q).toFixed(2);
      const notes = [
        `${latency.length.toLocaleString("en-US")} deliveries of messages due in the ${(durationMs / 1000).toFixed(0)} s window ` +
          `(after ${(warmupMs / 1000).toFixed(1)} s warm-up); ${load.accepted.toLocaleString("en-US")} messages accepted in all`,
        `generator send lag p50/p99/max ${ms(sendLag, 0.5)}/${ms(sendLag, 0.99)}/${ms(sendLag, 1)} ms; ` +
          `202 after p50/p99 ${ms(acceptedAfter, 0.5)}/${ms(acceptedAfter, 0.99)} ms from the scheduled time`,
        `clocks: receiver ${fmtOffset(receiverClock)}, generator ${fmtOffset(generatorClock)} from Herald's`,
      ];
      if (samples.receivedAt.length > 0) {
        const lastDueAt = startAt + ((count - 1) * 1000) / messagesPerSecond;
        const lastArrival = samples.receivedAt.reduce((latest, at) => Math.max(latest, at), 0);
        const behind = achieved < 0.98 * target;
        notes.push(
          `the last delivery arrived ${Math.max(0, lastArrival - lastDueAt).toFixed(0)} ms after the last message was due` +
            (behind ? " — Herald fell behind the schedule, so the latencies include a growing backlog" : ""),
        );
      }
      if (cpu) notes.push(`${describeCpu(cpu)} (measured window)`);
      if (engineSamples.length > 0) notes.push(describeEngine(engineSamples, bench.herald.config));
      notes.push(transactions);
      if (problems.length > 0) notes.unshift(`VOID — ${problems.join("; ")}`);
      else
        notes.push(`ledger exact: ${expected.toLocaleString("en-US")} sent = received, each once and logged`);
      const valid = problems.length === 0;
      return {
        measurements: [
          { label: "target deliveries/s", unit: "", value: target },
          { label: "achieved deliveries/s", unit: "", value: achieved },
          { label: "p50", unit: "ms", value: valid ? quantile(latency, 0.5) : Number.NaN },
          { label: "p90", unit: "ms", value: valid ? quantile(latency, 0.9) : Number.NaN },
          { label: "p99", unit: "ms", value: valid ? quantile(latency, 0.99) : Number.NaN },
          { label: "max", unit: "ms", value: valid ? quantile(latency, 1) : Number.NaN },
          { label: "Herald CPU", unit: "cores", value: cpu ? cpu.herald : Number.NaN },
          { label: "Herald RSS", unit: "MB", value: peakRss > 0 ? peakRss / (1024 * 1024) : Number.NaN },
        ],
        notes,
        noisy: cpu === null || isNoisy(cpu),
        ...(valid ? {} : { void: problems.join("; ") }),
      };
    } finally {
      await generator.close();
      await receiver.close();
    }
  },
};

/** Store transactions per accepted message over the whole run, by kind: what each message costs the store. */
function transactionsPerMessage(before: StoreMetrics, after: StoreMetrics): string {
  const messages = after.acceptedMessages - before.acceptedMessages;
  const per = (key: keyof StoreMetrics) => ((after[key] - before[key]) / Math.max(1, messages)).toFixed(2);
  const claimed =
    (after.claimedDeliveries - before.claimedDeliveries) /
    Math.max(1, after.claimTransactions - before.claimTransactions);
  const recorded =
    (after.recordedOutcomes - before.recordedOutcomes) /
    Math.max(1, after.outcomeTransactions - before.outcomeTransactions);
  return (
    `store transactions per message: accept ${per("acceptTransactions")}, claim ${per("claimTransactions")} ` +
    `(${claimed.toFixed(1)} deliveries each), outcome ${per("outcomeTransactions")} (${recorded.toFixed(1)} each)`
  );
}

/**
 * Where the engine's deliveries were, on average over the window, against its caps: sends at the per-endpoint
 * cap with deliveries waiting in the lanes mean the sends' round trips, not the claiming, set the pace. What is
 * held and in none of those is mostly capacity set aside for accepts being committed (Dispatcher.offerLeases).
 */
function describeEngine(samples: readonly DeliveryEngineStats[], config: HeraldConfig): string {
  const mean = (pick: (sample: DeliveryEngineStats) => number) =>
    samples.reduce((sum, sample) => sum + pick(sample), 0) / samples.length;
  const held = mean((sample) => sample.held);
  const sending = mean((sample) => sample.sending);
  const waiting = mean((sample) => sample.waiting);
  const writing = mean((sample) => sample.unwrittenOutcomes);
  const aside = Math.max(0, held - sending - waiting - writing);
  const { deliveryEndpointConcurrency: perEndpoint, deliveryMaxInFlight: cap } = config;
  return (
    `engine, mean of ${samples.length} samples: ${held.toFixed(0)} deliveries held (cap ${cap}): ` +
    `${sending.toFixed(0)} sending (cap ${ENDPOINTS_PER_APP * perEndpoint}: ${ENDPOINTS_PER_APP} endpoints × ${perEndpoint}), ` +
    `${waiting.toFixed(0)} waiting for their endpoint, ${writing.toFixed(0)} outcomes being written, ` +
    `${aside.toFixed(0)} set aside for accepts being committed`
  );
}

function fmtOffset({ offsetMs, roundTripMs }: { offsetMs: number; roundTripMs: number }): string {
  return `${offsetMs >= 0 ? "+" : ""}${offsetMs.toFixed(3)} ms (± ${(roundTripMs / 2).toFixed(3)})`;
}
