/**
 * The open-loop load generator, run as a child process (see child.ts). Message `i` is due at
 * `startAt + i / messagesPerSecond` whatever happened to the earlier ones — a slow answer does not delay the
 * next request, so a stall shows as latency instead of hiding as a lower rate (no coordinated omission). Each
 * payload carries its scheduled time, from which the receiver measures latency; the time a request actually
 * left (send lag) and when its 202 came back are reported too.
 */
import { Pool } from "undici";
import { serveParent } from "./child.js";
import { epochMs, processCpuMs } from "./clock.js";

export interface OpenLoopSpec {
  origin: string;
  path: string;
  headers: Record<string, string>;
  eventType: string;
  messagesPerSecond: number;
  /** When message 0 is due (epoch ms, clock.ts). */
  startAt: number;
  count: number;
  connections: number;
  /** The measured window (epoch ms): the generator's CPU time is read at both ends. */
  measureFrom: number;
  measureTo: number;
}

export interface OpenLoopResult {
  sent: number;
  accepted: number;
  errors: number;
  /** Status codes other than 202, with counts. */
  unexpected: Record<string, number>;
  /** Per message: when the request left minus when it was due (ms). */
  sendLagMs: Float64Array;
  /** Per message: when its 202 arrived minus when it was due (ms); NaN when it was not accepted. */
  acceptedAfterMs: Float64Array;
  /** CPU time of the generator within the measured window. */
  windowCpuMs: number;
}

function run(spec: OpenLoopSpec): Promise<OpenLoopResult> {
  const pool = new Pool(spec.origin, {
    connections: spec.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const intervalMs = 1000 / spec.messagesPerSecond;
  const sendLagMs = new Float64Array(spec.count).fill(Number.NaN);
  const acceptedAfterMs = new Float64Array(spec.count).fill(Number.NaN);
  const unexpected: Record<string, number> = {};
  let accepted = 0;
  let errors = 0;
  let next = 0;
  let open = 0;
  let cpuAtStart = Number.NaN;
  let cpuAtEnd = Number.NaN;
  const cpuTimers = [
    setTimeout(() => (cpuAtStart = processCpuMs()), Math.max(0, spec.measureFrom - epochMs())),
    setTimeout(() => (cpuAtEnd = processCpuMs()), Math.max(0, spec.measureTo - epochMs())),
  ];

  return new Promise((resolve) => {
    async function finish(): Promise<void> {
      // The last answer may come back before the window ends; its CPU reading is still due.
      const untilEnd = spec.measureTo - epochMs();
      if (untilEnd > 0) await new Promise((resolve) => setTimeout(resolve, untilEnd + 1));
      for (const timer of cpuTimers) clearTimeout(timer);
      // A timer due but not yet run (a busy event loop) would leave its reading unknown, and the window's CPU
      // with it; read now instead, at most one turn late.
      if (Number.isNaN(cpuAtEnd)) cpuAtEnd = processCpuMs();
      await pool.close();
      resolve({
        sent: next,
        accepted,
        errors,
        unexpected,
        sendLagMs,
        acceptedAfterMs,
        windowCpuMs: cpuAtEnd - cpuAtStart,
      });
    }

    async function send(seq: number): Promise<void> {
      const dueAt = spec.startAt + seq * intervalMs;
      const body =
        `{"eventType":"${spec.eventType}","payload":{"scheduledAt":${dueAt.toFixed(3)},"seq":${seq},` +
        `"invoice":{"amount":4200,"currency":"eur","customer":"cus_8Kq2mD0x","lines":[{"sku":"pro-monthly","qty":1}]}}}`;
      open++;
      sendLagMs[seq] = epochMs() - dueAt;
      try {
        const response = await pool.request({ method: "POST", path: spec.path, headers: spec.headers, body });
        await response.body.dump();
        if (response.statusCode === 202) {
          accepted++;
          acceptedAfterMs[seq] = epochMs() - dueAt;
        } else {
          unexpected[response.statusCode] = (unexpected[response.statusCode] ?? 0) + 1;
        }
      } catch {
        errors++;
      } finally {
        open--;
        if (open === 0 && next === spec.count) void finish();
      }
    }

    function tick(): void {
      const now = epochMs();
      while (next < spec.count && spec.startAt + next * intervalMs <= now) void send(next++);
      if (next < spec.count) {
        setTimeout(tick, Math.max(0, spec.startAt + next * intervalMs - epochMs()));
      } else if (open === 0) {
        void finish();
      }
    }
    setTimeout(tick, Math.max(0, spec.startAt - epochMs()));
  });
}

serveParent(
  async (message) => {
    switch (message.type) {
      case "clock":
        return { at: epochMs() };
      case "run":
        return { result: await run(message["spec"] as OpenLoopSpec) };
      default:
        throw new Error(`open-loop generator: unknown request ${message.type}`);
    }
  },
  () => undefined,
);
process.send?.({ type: "ready" });
