/**
 * BullMQ: the do-it-yourself alternative to Herald — a BullMQ queue on the local Redis, one job per delivery
 * (N messages × 3 endpoints, as drain delivers), each job carrying its endpoint path, message id and 1 KiB
 * payload, with retries configured as a user would (5 attempts, exponential backoff), processed by a BullMQ
 * Worker with Herald's default concurrency in this process, each job sending with the ceiling's sender code
 * (baseline-sender.ts). Completed jobs are kept, as BullMQ does by default: they are this system's record of
 * what was delivered, as Herald's delivery log is Herald's.
 *
 * Like drain, every job is enqueued (`addBulk` in chunks) before anything is delivered. Measured: from the
 * worker's start until it has completed every job, the CPU of this process per delivery, and the Redis server's
 * own CPU over the same time (its `INFO cpu`), because Redis is part of what this system costs. The run is void
 * unless the receiver got each delivery exactly once and Redis holds exactly one completed job per delivery.
 * Without a Redis at 127.0.0.1:6379 nothing is measured: the run is void, its reason saying it was skipped.
 */
import { createRequire } from "node:module";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { epochMs } from "../clock.js";
import { cpuShares, cpuSnapshot, describeCpu, isNoisy } from "../cpu-account.js";
import {
  BASELINE_BODY_BYTES,
  BASELINE_MAX_IN_FLIGHT,
  BaselineSender,
  baselineBody,
  baselineMessageId,
  endpointPath,
  type BaselineDelivery,
} from "../baseline-sender.js";
import { ledgerProblems } from "../delivery-checks.js";
import { ENDPOINTS_PER_APP } from "../fixtures.js";
import { profiled } from "../profiler.js";
import { startReceiverProcess } from "../receiver.js";
import type { Measurement, Scenario } from "../scenario.js";

const REDIS_HOST = "127.0.0.1";
const REDIS_PORT = 6379;
/** Per process, so that two benches on one Redis do not share (or obliterate) each other's queue. */
const QUEUE_NAME = `herald-bench-deliveries-${process.pid}`;
/** Jobs per `addBulk` call: one Redis round trip (a MULTI of one script call per job) each. */
const ADD_CHUNK = 1_000;
const STALL_MS = 15_000;
const JOB_ATTEMPTS = 5;
const BACKOFF_DELAY_MS = 1_000;
/** Job states that must all be empty once every job completed. */
const UNFINISHED_STATES = ["active", "wait", "delayed", "prioritized", "waiting-children"] as const;

const bullmqVersion = (createRequire(import.meta.url)("bullmq/package.json") as { version: string }).version;

const MEASUREMENT_LABELS: readonly Omit<Measurement, "value">[] = [
  { label: "deliveries", unit: "" },
  { label: "deliveries/s", unit: "" },
  { label: "process CPU", unit: "cores" },
  { label: "process CPU per delivery", unit: "µs" },
  { label: "Redis CPU per delivery", unit: "µs" },
];

function measurements(values: readonly number[]): Measurement[] {
  return MEASUREMENT_LABELS.map((label, index) => ({ ...label, value: values[index] ?? Number.NaN }));
}

/** A client for probing Redis and reading its counters, or why none answered within a second. */
async function connectRedis(): Promise<{ client: Redis } | { unreachable: string }> {
  const client = new Redis({
    host: REDIS_HOST,
    port: REDIS_PORT,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis reports why a connection failed (ECONNREFUSED, …) as an 'error' event; connect() then rejects
  // with a bare "Connection is closed".
  let cause: string | null = null;
  client.on("error", (error: Error) => (cause ??= error.message));
  try {
    await client.connect();
    await client.ping();
    return { client };
  } catch (error) {
    client.disconnect();
    return { unreachable: cause ?? (error instanceof Error ? error.message : String(error)) };
  }
}

/** Fields of one `INFO <section>` reply. */
async function redisInfo(client: Redis, section: string): Promise<Map<string, string>> {
  const fields = new Map<string, string>();
  for (const line of (await client.info(section)).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** The Redis server's CPU time so far (user + system, all its threads), in milliseconds. */
async function redisCpuMs(client: Redis): Promise<number> {
  const cpu = await redisInfo(client, "cpu");
  return 1000 * (Number(cpu.get("used_cpu_user")) + Number(cpu.get("used_cpu_sys")));
}

/** Resolves with null once `progress()` has not changed for `stallMs`; `cancel` stops watching. */
function stallWatch(progress: () => number, stallMs: number): { stalled: Promise<null>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<null>((resolve) => {
    let last = progress();
    let lastChangeAt = epochMs();
    timer = setInterval(() => {
      const now = progress();
      if (now !== last) {
        last = now;
        lastChangeAt = epochMs();
      } else if (epochMs() - lastChangeAt > stallMs) {
        clearInterval(timer);
        resolve(null);
      }
    }, 250);
  });
  return { stalled, cancel: () => clearInterval(timer) };
}

export const bullmqScenario: Scenario = {
  name: "bullmq",
  description:
    "the do-it-yourself alternative: N × 3 BullMQ jobs on the local Redis (retries on), a Worker sending each with the ceiling's sender",
  role: "api",
  backendIndependent: true,
  async run(_bench, options) {
    const messages = options.drainMessages;
    const expected = messages * ENDPOINTS_PER_APP;
    const redis = await connectRedis();
    if ("unreachable" in redis) {
      const reason = `skipped: no Redis answered at ${REDIS_HOST}:${REDIS_PORT} (${redis.unreachable}); start one to measure the BullMQ baseline`;
      return { measurements: measurements([]), notes: [reason], noisy: false, void: reason };
    }
    const receiver = await startReceiverProcess().catch((error: unknown) => {
      redis.client.disconnect();
      throw error;
    });
    const sender = new BaselineSender(receiver.url);
    const connection = { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: null };
    const queue = new Queue<BaselineDelivery>(QUEUE_NAME, {
      connection,
      defaultJobOptions: {
        attempts: JOB_ATTEMPTS,
        backoff: { type: "exponential", delay: BACKOFF_DELAY_MS },
      },
    });
    let queueError: string | null = null;
    queue.on("error", (error) => (queueError ??= error.message));
    let worker: Worker<BaselineDelivery> | null = null;
    try {
      const server = await redisInfo(redis.client, "server");
      await queue.obliterate({ force: true });
      const memoryBefore = Number((await redisInfo(redis.client, "memory")).get("used_memory"));

      const enqueueStarted = epochMs();
      for (let first = 0; first < expected; first += ADD_CHUNK) {
        const jobs: { name: string; data: BaselineDelivery }[] = [];
        for (let index = first; index < Math.min(expected, first + ADD_CHUNK); index++) {
          const seq = Math.floor(index / ENDPOINTS_PER_APP);
          jobs.push({
            name: "deliver",
            data: {
              path: endpointPath(index % ENDPOINTS_PER_APP),
              msgId: baselineMessageId(seq),
              body: baselineBody(seq),
            },
          });
        }
        await queue.addBulk(jobs);
      }
      const enqueueMs = epochMs() - enqueueStarted;
      const memoryQueued = Number((await redisInfo(redis.client, "memory")).get("used_memory"));

      let completed = 0;
      let failedAttempts = 0;
      let firstFailure: string | null = null;
      let workerError: string | null = null;
      let allCompleted: (at: number) => void = () => undefined;
      const completedAt = new Promise<number>((resolve) => (allCompleted = resolve));
      worker = new Worker<BaselineDelivery>(
        QUEUE_NAME,
        async (job) => {
          const status = await sender.send(job.data);
          // Anything but 2xx fails the attempt, so BullMQ retries it with the configured backoff.
          if (status < 200 || status > 299) throw new Error(`the receiver answered ${status}`);
        },
        { connection, concurrency: BASELINE_MAX_IN_FLIGHT, autorun: false },
      );
      worker.on("completed", () => {
        if (++completed === expected) allCompleted(epochMs());
      });
      worker.on("failed", (_job, error) => {
        failedAttempts++;
        firstFailure ??= error.message;
      });
      worker.on("error", (error) => (workerError ??= error.message));
      await worker.waitUntilReady();

      global.gc?.();
      const redisCpuBefore = await redisCpuMs(redis.client);
      const cpuBefore = await cpuSnapshot(receiver);
      const started = epochMs();
      const watch = stallWatch(() => completed, STALL_MS);
      const activeWorker = worker;
      const finishedAt = await profiled(options.profileDir, "bullmq", async () => {
        const running = activeWorker.run();
        running.catch((error: unknown) => (workerError ??= String(error)));
        return await Promise.race([completedAt, watch.stalled]);
      });
      watch.cancel();
      const elapsedMs = (finishedAt ?? epochMs()) - started;
      const redisMs = (await redisCpuMs(redis.client)) - redisCpuBefore;
      // Redis's CPU is this system's, not "other": passed as the generator's so that it is not counted there.
      const cpu = cpuShares(cpuBefore, await cpuSnapshot(receiver), redisMs);
      const redisCores = cpu.generator ?? 0;
      const ledger = await receiver.ledger();
      await worker.close();
      const counts = await queue.getJobCounts("completed", "failed", ...UNFINISHED_STATES);

      const unfinished = UNFINISHED_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
      const problems = [
        ...(finishedAt === null ? [`no job completed for ${STALL_MS / 1000} s; gave up`] : []),
        ...(counts["completed"] !== expected
          ? [`Redis holds ${counts["completed"]} completed jobs, expected ${expected}`]
          : []),
        ...((counts["failed"] ?? 0) > 0 ? [`${counts["failed"]} jobs failed for good`] : []),
        ...(unfinished > 0 ? [`${unfinished} jobs are unfinished`] : []),
        ...ledgerProblems(ledger, messages),
        ...(workerError !== null ? [`the worker reported an error: ${workerError}`] : []),
        ...(queueError !== null ? [`the queue reported an error: ${queueError}`] : []),
      ];
      const rate = expected / (elapsedMs / 1000);
      const notes = [
        `BullMQ ${bullmqVersion} on Redis ${server.get("redis_version") ?? "?"} (${REDIS_HOST}:${REDIS_PORT}); ` +
          `${expected.toLocaleString("en-US")} jobs (${messages.toLocaleString("en-US")} messages × ${ENDPOINTS_PER_APP} endpoints, ` +
          `${BASELINE_BODY_BYTES}-byte payloads, attempts ${JOB_ATTEMPTS}, exponential backoff from ${BACKOFF_DELAY_MS} ms) ` +
          `enqueued in ${(enqueueMs / 1000).toFixed(2)} s (addBulk × ${ADD_CHUNK}, ` +
          `${Math.round(expected / (enqueueMs / 1000)).toLocaleString("en-US")}/s, ` +
          `${((memoryQueued - memoryBefore) / expected).toFixed(0)} bytes of Redis memory each), ` +
          `then delivered in ${(elapsedMs / 1000).toFixed(2)} s by one Worker of concurrency ${BASELINE_MAX_IN_FLIGHT}`,
        describeCpu({ ...cpu, generator: null }, "this process (BullMQ worker and sender)"),
        `Redis server: ${redisCores.toFixed(2)} cores, ${((1000 * redisMs) / expected).toFixed(1)} µs per delivery ` +
          `(its INFO cpu over the measured time; not counted as "other")`,
      ];
      if (failedAttempts > 0)
        notes.push(`${failedAttempts} attempts failed and were retried (first: ${firstFailure})`);
      if (problems.length > 0) {
        notes.unshift(`VOID — ${problems.join("; ")} (measured ${Math.round(rate)} deliveries/s)`);
      } else {
        notes.push(
          `ledger exact: ${expected.toLocaleString("en-US")} sent = received, each once; ${expected.toLocaleString("en-US")} completed jobs in Redis`,
        );
      }
      return {
        measurements: measurements([
          expected,
          problems.length > 0 ? Number.NaN : rate,
          cpu.herald,
          (1000 * cpu.herald * elapsedMs) / expected,
          (1000 * redisMs) / expected,
        ]),
        notes,
        noisy: isNoisy(cpu),
        ...(problems.length > 0 ? { void: problems.join("; ") } : {}),
      };
    } finally {
      await worker?.close().catch(() => undefined);
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await sender.close();
      await receiver.close();
      redis.client.disconnect();
    }
  },
};
