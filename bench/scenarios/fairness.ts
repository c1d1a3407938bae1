/**
 * Fairness: does one endpoint that hangs slow down everyone else? Ten healthy endpoints (the receiver child
 * process) get open-loop load as in the latency scenario — messages POSTed to the API on a fixed schedule, each
 * fanned out to every endpoint, latency measured from each message's scheduled send time to each delivery's
 * receipt, deliveries of messages due in the warm-up left out. Variant "with" adds an eleventh endpoint whose
 * receiver (another child process) reads each request and never answers; its timeout is short (2 s, 1 s with
 * `--quick`) and its retry schedule keeps its deliveries pending. It gets every message too — several times what
 * its 32 concurrent sends (Herald's default per endpoint) can take at one send per timeout — so its lanes stay
 * full, and the excess is given back to the queue and claimed again all run long. Variant "without" is the same load with the ten
 * healthy endpoints only. Each variant runs against a fresh Herald in role `all`.
 *
 * Reported: the healthy deliveries' p50/p99/max, and in the "with" row its p99 against the "without" row's from
 * the same run (target: less than 2×). The run is void unless every accepted message reached each healthy
 * endpoint exactly once and the delivery log holds one successful attempt each; the hanging endpoint's
 * deliveries are left out of the ledger.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { EndpointId } from "../../src/domain/ids.js";
import { DELIVERY_ENGINE_DEFAULTS, type DeliveryEngine } from "../../src/delivery/engine.js";
import { clockOffsetMs, epochMs } from "../clock.js";
import { cpuShares, cpuSnapshot, describeCpu, isNoisy, type CpuSnapshot } from "../cpu-account.js";
import { MACHINE_STALLED, machineStalled } from "../machine-stall.js";
import { attemptLogProblems } from "../delivery-checks.js";
import { startHangingReceiver, type HangingReceiver } from "../hanging-receiver.js";
import { api, type Backend, type BenchHerald } from "../harness.js";
import { quantile } from "../load.js";
import { startOpenLoopGenerator } from "../open-loop.js";
import { profiled } from "../profiler.js";
import { startReceiverProcess, type ReceiverLedger, type ReceiverProcess } from "../receiver.js";
import type { Scenario } from "../scenario.js";

/** Hanging endpoints by variant. */
const VARIANTS: Readonly<Record<string, number>> = { without: 0, with: 1 };
const HEALTHY_ENDPOINTS = 10;
/** Deliveries per second to the healthy endpoints together: 100 messages/s, each to all ten. */
const HEALTHY_DELIVERIES_PER_SECOND = 1000;
const EVENT_TYPE = "invoice.paid";
/** The hanging endpoint's timeout; `--quick` uses the shortest the API allows, to reach the steady state sooner. */
const HANGING_TIMEOUT_SECONDS = { full: 2, quick: 1 };
/**
 * Retried, not failed, while the run lasts. Herald waits at least 60 s before retrying after a timeout
 * (svix-api.md §9.5), so these retries come due after the run; what keeps the hanging endpoint busy during it is
 * its fresh deliveries and the excess its lane gives back.
 */
const HANGING_RETRY_SCHEDULE = [1, 1, 1, 1, 1];
/**
 * The warm-up is at least this many hanging timeouts: long enough for the hanging endpoint to reach its steady
 * state — its first sends timed out, and the excess its lane gave back came due and was claimed again.
 */
const MIN_WARMUP_TIMEOUTS = 2;
const STALL_MS = 10_000;
/** How long the delivery log may lag behind the receiver (outcomes are written in batches). */
const LOG_WAIT_MS = 5_000;
/** Time for the generator to get ready before the first message is due. */
const LEAD_MS = 200;
const ENGINE_SAMPLE_MS = 50;

/** The "without" row's healthy p99 per backend, for the "with" row's ratio (run.ts runs the variants in order). */
const p99WithoutHanging = new Map<Backend, number>();

interface BenchEndpoints {
  appId: string;
  healthyIds: EndpointId[];
  hangingIds: EndpointId[];
}

async function createEndpoints(
  bench: BenchHerald,
  receiverUrl: string,
  hanging: HangingReceiver | null,
  hangingCount: number,
  hangingTimeoutSeconds: number,
): Promise<BenchEndpoints> {
  await api(bench, "POST", "/api/v1/event-type", { name: EVENT_TYPE, description: "An invoice was paid" });
  const app = await api(bench, "POST", "/api/v1/app", { name: "Fairness app" });
  const appId = String(app["id"]);
  const create = async (body: Record<string, unknown>) =>
    String((await api(bench, "POST", `/api/v1/app/${appId}/endpoint`, body))["id"]) as EndpointId;
  const healthyIds: EndpointId[] = [];
  for (let index = 1; index <= HEALTHY_ENDPOINTS; index++)
    healthyIds.push(await create({ url: `${receiverUrl}/hook/${index}`, description: `healthy ${index}` }));
  const hangingIds: EndpointId[] = [];
  for (let index = 1; index <= hangingCount; index++) {
    if (!hanging) throw new Error("fairness: a hanging endpoint needs the hanging receiver");
    hangingIds.push(
      await create({
        url: `${hanging.url}/hang/${index}`,
        description: `hanging ${index}`,
        timeoutSeconds: hangingTimeoutSeconds,
        retrySchedule: HANGING_RETRY_SCHEDULE,
      }),
    );
  }
  return { appId, healthyIds, hangingIds };
}

/** Problems with the receiver's ledger when each healthy endpoint should have got `perEndpoint` messages once. */
function healthyLedgerProblems(ledger: ReceiverLedger, perEndpoint: number): string[] {
  const problems: string[] = [];
  const expected = perEndpoint * HEALTHY_ENDPOINTS;
  if (ledger.distinct !== expected)
    problems.push(`the receiver got ${ledger.distinct} distinct healthy deliveries, expected ${expected}`);
  if (ledger.received !== ledger.distinct)
    problems.push(`${ledger.received - ledger.distinct} healthy deliveries arrived more than once`);
  if (ledger.withoutId > 0) problems.push(`${ledger.withoutId} requests carried no message id`);
  for (let index = 1; index <= HEALTHY_ENDPOINTS; index++) {
    const path = `/hook/${index}`;
    const got = ledger.byPath[path]?.distinct ?? 0;
    if (got !== perEndpoint) problems.push(`${path} got ${got} distinct messages, expected ${perEndpoint}`);
  }
  for (const path of Object.keys(ledger.byPath))
    if (!/^\/hook\/([1-9]|10)$/.test(path)) problems.push(`unexpected requests to ${path}`);
  return problems;
}

/**
 * Resolves with true once the receiver has `expected` distinct deliveries, or false when it got nothing new for
 * `stallMs`. (The engine never goes idle here — the hanging endpoint's deliveries stay pending — so
 * delivery-checks.ts `waitUntilDelivered` does not fit.)
 */
async function waitForReceipts(
  receiver: ReceiverProcess,
  expected: number,
  stallMs: number,
): Promise<boolean> {
  let last = -1;
  let lastProgressAt = epochMs();
  for (;;) {
    const { distinct } = await receiver.ledger();
    if (distinct >= expected) return true;
    if (distinct !== last) {
      last = distinct;
      lastProgressAt = epochMs();
    } else if (epochMs() - lastProgressAt > stallMs) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The delivery log's problems once it has caught up with the receiver, or after `waitMs` of trying. */
async function settledLogProblems(
  bench: BenchHerald,
  endpointIds: readonly EndpointId[],
  perEndpoint: number,
  since: number,
  waitMs: number,
): Promise<string[]> {
  const deadline = epochMs() + waitMs;
  for (;;) {
    const problems = await attemptLogProblems(bench.herald.store, endpointIds, perEndpoint, since);
    if (problems.length === 0 || epochMs() > deadline) return problems;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The most deliveries the engine held, and held waiting for their endpoint, over the measured window. */
function sampleEngine(
  engine: DeliveryEngine,
  from: number,
  to: number,
): Promise<{ held: number; waiting: number; sending: number }> {
  const most = { held: 0, waiting: 0, sending: 0 };
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = epochMs();
      if (now < from) return;
      const stats = engine.stats();
      most.held = Math.max(most.held, stats.held);
      most.waiting = Math.max(most.waiting, stats.waiting);
      most.sending = Math.max(most.sending, stats.sending);
      if (now >= to) {
        clearInterval(timer);
        resolve(most);
      }
    }, ENGINE_SAMPLE_MS);
  });
}

/** The event-loop delay histogram's timer interval. */
const LOOP_DELAY_RESOLUTION_MS = 10;

/**
 * How late this process's event loop ran over the measured window: where Herald itself stalled. Node's histogram
 * records each whole interval between its timer's runs, the resolution included (an idle loop reads ~10 ms), so
 * the resolution is subtracted.
 */
function eventLoopDelay(from: number, to: number): Promise<{ p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  const lateMs = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - LOOP_DELAY_RESOLUTION_MS);
  return new Promise((resolve) => {
    setTimeout(() => {
      histogram.enable();
      setTimeout(() => {
        histogram.disable();
        resolve({ p99Ms: lateMs(histogram.percentile(99)), maxMs: lateMs(histogram.max) });
      }, to - from);
    }, from - epochMs());
  });
}

export const fairnessScenario: Scenario = {
  name: "fairness",
  quickOnFirstBackend: true,
  description: `${HEALTHY_ENDPOINTS} healthy endpoints under open-loop load, with and without one that hangs until its ${HANGING_TIMEOUT_SECONDS.full} s timeout (${HANGING_TIMEOUT_SECONDS.quick} s with --quick)`,
  role: "all",
  variants: Object.keys(VARIANTS),
  async run(bench, options, variant) {
    const hangingCount = VARIANTS[variant ?? ""];
    if (hangingCount === undefined) throw new Error(`fairness: unknown variant ${variant}`);
    const engine = bench.herald.engine;
    if (!engine) throw new Error("fairness: Herald runs no delivery engine");
    const messagesPerSecond = HEALTHY_DELIVERIES_PER_SECOND / HEALTHY_ENDPOINTS;
    const timeoutSeconds = options.quick ? HANGING_TIMEOUT_SECONDS.quick : HANGING_TIMEOUT_SECONDS.full;
    const warmupMs = Math.max(options.warmupMs, MIN_WARMUP_TIMEOUTS * timeoutSeconds * 1000);
    // Sends a second the hanging endpoint's lanes can start: Herald's default 32 per endpoint, one per timeout.
    const laneCapacity = DELIVERY_ENGINE_DEFAULTS.perEndpointConcurrency / timeoutSeconds;
    const { durationMs } = options;

    const receiver = await startReceiverProcess();
    const hanging = hangingCount > 0 ? await startHangingReceiver() : null;
    const generator = await startOpenLoopGenerator();
    try {
      const { appId, healthyIds, hangingIds } = await createEndpoints(
        bench,
        receiver.url,
        hanging,
        hangingCount,
        timeoutSeconds,
      );
      const receiverClock = await clockOffsetMs(() => receiver.clock());
      const generatorClock = await clockOffsetMs(() => generator.clock());

      const startedAtWall = Date.now();
      const startAt = epochMs() + LEAD_MS;
      const measureFrom = startAt + warmupMs;
      const measureTo = measureFrom + durationMs;
      const count = Math.ceil(((warmupMs + durationMs) * messagesPerSecond) / 1000);

      // CPU readings at both ends of the measured window, and the engine's occupancy within it.
      const readings = [measureFrom, measureTo].map(
        (at) =>
          new Promise<CpuSnapshot>((resolve, reject) =>
            setTimeout(() => cpuSnapshot(receiver).then(resolve, reject), at - epochMs()),
          ),
      );
      const occupancy = sampleEngine(engine, measureFrom, measureTo);
      const loopDelay = eventLoopDelay(measureFrom, measureTo);

      const load = await profiled(options.profileDir, `fairness-${bench.backend}-${variant}`, () =>
        generator.run({
          origin: bench.url,
          path: `/api/v1/app/${appId}/msg`,
          headers: { authorization: `Bearer ${bench.token}`, "content-type": "application/json" },
          eventType: EVENT_TYPE,
          messagesPerSecond,
          startAt,
          count,
          connections: 64,
          measureFrom,
          measureTo,
        }),
      );
      const loadEndedAt = epochMs();
      const hangingAtEnd = hanging ? await hanging.stats() : null;
      const expected = load.accepted * HEALTHY_ENDPOINTS;
      const allArrived = await waitForReceipts(receiver, expected, STALL_MS);

      const ledger = await receiver.ledger();
      const samples = await receiver.samples();
      const latencies: number[] = [];
      // Payloads carry their due time to the microsecond, so the message due exactly at `measureFrom` may read
      // as a hair earlier: the window's edges sit half an interval before each bound.
      const halfInterval = 500 / messagesPerSecond;
      let lastWindowArrival = measureFrom;
      for (let i = 0; i < samples.scheduledAt.length; i++) {
        const scheduled = samples.scheduledAt[i] as number;
        const receivedAt = samples.receivedAt[i] as number;
        if (scheduled < measureFrom - halfInterval || scheduled >= measureTo - halfInterval) continue;
        latencies.push(receivedAt - scheduled);
        lastWindowArrival = Math.max(lastWindowArrival, receivedAt);
      }
      const latency = Float64Array.from(latencies);
      const achieved = latencies.length / (Math.max(durationMs, lastWindowArrival - measureFrom) / 1000);

      const problems = [
        ...(allArrived ? [] : [`healthy deliveries stopped arriving for ${STALL_MS / 1000} s; gave up`]),
        ...(load.accepted !== count
          ? [`${count - load.accepted} of ${count} messages were not accepted`]
          : []),
        ...Object.entries(load.unexpected).map(([status, n]) => `${n} answers with status ${status}`),
        ...(load.errors > 0 ? [`${load.errors} request errors`] : []),
        ...healthyLedgerProblems(ledger, load.accepted),
        ...(await settledLogProblems(bench, healthyIds, load.accepted, startedAtWall - 1000, LOG_WAIT_MS)),
      ];
      const hangingNotes: string[] = [];
      for (const hangingId of hangingIds) {
        const attempts = await bench.herald.store.countEndpointAttempts(
          hangingId,
          startedAtWall - 1000,
          Date.now() + 60_000,
        );
        if (attempts.success > 0)
          problems.push(`the hanging endpoint recorded ${attempts.success} successful attempts`);
        const tried = hangingAtEnd?.received ?? 0;
        if (tried === 0) problems.push("the hanging endpoint was never tried");
        const perSecond = tried / ((loadEndedAt - startAt) / 1000);
        hangingNotes.push(
          `hanging endpoint: ${tried.toLocaleString("en-US")} requests received during the load, ` +
            `${perSecond.toFixed(1)}/s, at most ${hangingAtEnd?.maxOpen ?? 0} open at once as it counts them (a timed-out ` +
            `request's close can arrive after the next request) ` +
            `(${messagesPerSecond} deliveries/s offered; its lanes take ${laneCapacity}/s at one send per ${timeoutSeconds} s timeout); ` +
            `${attempts.fail.toLocaleString("en-US")} failed attempts logged by the end`,
        );
      }

      const [first, last] = await Promise.all(readings);
      const cpu = first && last ? cpuShares(first, last, load.windowCpuMs) : null;
      const most = await occupancy;
      const loop = await loopDelay;
      const valid = problems.length === 0;
      const p99 = valid ? quantile(latency, 0.99) : Number.NaN;
      if (valid && hangingCount === 0) p99WithoutHanging.set(bench.backend, p99);
      const baseline = p99WithoutHanging.get(bench.backend);
      const ratio = hangingCount === 0 ? 1 : baseline === undefined ? Number.NaN : p99 / baseline;

      const ms = (values: readonly number[], q: number) => quantile(Float64Array.from(values), q).toFixed(2);
      const sendLag = Array.from(load.sendLagMs).filter((_, seq) => {
        const due = startAt + (seq * 1000) / messagesPerSecond;
        return due >= measureFrom && due < measureTo;
      });
      const notes = [
        `${latency.length.toLocaleString("en-US")} healthy deliveries of messages due in the ${(durationMs / 1000).toFixed(0)} s window ` +
          `(after ${(warmupMs / 1000).toFixed(1)} s warm-up); ${load.accepted.toLocaleString("en-US")} messages accepted, ` +
          `each to ${HEALTHY_ENDPOINTS} healthy endpoint${hangingCount > 0 ? "s and the hanging one" : "s"}; ` +
          `generator send lag p99 ${ms(sendLag, 0.99)} ms`,
        ...hangingNotes,
        `engine at most ${most.held} deliveries held (${most.sending} sending, ${most.waiting} waiting for their endpoint) in the window; ` +
          `Herald's event-loop delay p99/max ${loop.p99Ms.toFixed(1)}/${loop.maxMs.toFixed(1)} ms ` +
          `(a stall of the whole process — a commit waiting for the disk, GC, no CPU — delays every endpoint alike)`,
        `clocks: receiver ${fmtOffset(receiverClock)}, generator ${fmtOffset(generatorClock)} from Herald's`,
      ];
      if (hangingCount > 0) {
        notes.push(
          baseline === undefined
            ? 'no valid "without" row on this backend in this run to compare with'
            : `healthy p99 ${ratio.toFixed(2)}× the "without" row's (${baseline.toFixed(2)} ms) — target < 2×: ${ratio < 2 ? "met" : "NOT met"}`,
        );
      }
      if (cpu) notes.push(`${describeCpu(cpu)} (measured window; the hanging receiver counts as other)`);
      const stalled = cpu !== null && machineStalled(cpu);
      if (stalled) notes.push(MACHINE_STALLED);
      if (problems.length === 0)
        notes.push(
          `ledger exact: ${expected.toLocaleString("en-US")} healthy deliveries sent = received, each once and logged`,
        );
      return {
        measurements: [
          { label: "hanging endpoints", unit: "", value: hangingCount },
          { label: "target deliveries/s", unit: "", value: HEALTHY_DELIVERIES_PER_SECOND },
          { label: "achieved deliveries/s", unit: "", value: achieved },
          { label: "p50", unit: "ms", value: valid ? quantile(latency, 0.5) : Number.NaN },
          { label: "p99", unit: "ms", value: p99 },
          { label: "max", unit: "ms", value: valid ? quantile(latency, 1) : Number.NaN },
          { label: "p99 / without", unit: "×", value: valid ? ratio : Number.NaN },
          { label: "Herald CPU", unit: "cores", value: cpu ? cpu.herald : Number.NaN },
        ],
        notes,
        // A generator CPU reading that missed the window leaves "other" unknown: count that as noisy too.
        noisy: cpu === null || Number.isNaN(cpu.other) || isNoisy(cpu) || stalled,
        ...(problems.length > 0 ? { void: problems.join("; ") } : {}),
      };
    } finally {
      await generator.close();
      await hanging?.close();
      await receiver.close();
    }
  },
};

function fmtOffset({ offsetMs, roundTripMs }: { offsetMs: number; roundTripMs: number }): string {
  return `${offsetMs >= 0 ? "+" : ""}${offsetMs.toFixed(3)} ms (± ${(roundTripMs / 2).toFixed(3)})`;
}
