/**
 * The load generator, run in a worker thread so that the clients do not share the event loop of the Herald they
 * measure: `clients` closed-loop clients, each sending its next request as soon as the previous one answered.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Pool } from "undici";

export interface LoadSpec {
  origin: string;
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  /** Request bodies are `bodyPrefix + sequence number + bodySuffix`: distinct, cheap to build. */
  bodyPrefix: string;
  bodySuffix: string;
  clients: number;
  warmupMs: number;
  durationMs: number;
  expectedStatus: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Status codes other than the expected one, with counts. */
  unexpected: Record<string, number>;
  elapsedMs: number;
  /** Milliseconds per measured request. */
  latencies: Float64Array;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.clients, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  const unexpected: Record<string, number> = {};
  let errors = 0;
  let sequence = 0;
  let measuring = false;
  let stopped = false;

  async function client(): Promise<void> {
    while (!stopped) {
      const body = spec.method === "GET" ? undefined : `${spec.bodyPrefix}${sequence++}${spec.bodySuffix}`;
      const started = performance.now();
      try {
        const response = await pool.request({
          method: spec.method,
          path: spec.path,
          headers: spec.headers,
          body,
        });
        await response.body.dump();
        const took = performance.now() - started;
        if (response.statusCode !== spec.expectedStatus) {
          if (measuring) unexpected[response.statusCode] = (unexpected[response.statusCode] ?? 0) + 1;
        } else if (measuring) {
          latencies.push(took);
        }
      } catch {
        if (measuring) errors++;
      }
    }
  }

  const clients = Array.from({ length: spec.clients }, () => client());
  await new Promise((resolve) => setTimeout(resolve, spec.warmupMs));
  measuring = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, spec.durationMs));
  measuring = false;
  const elapsedMs = performance.now() - started;
  stopped = true;
  await Promise.all(clients);
  await pool.close();
  return {
    requests: latencies.length,
    errors,
    unexpected,
    elapsedMs,
    latencies: Float64Array.from(latencies),
  };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LoadSpec).then(
    (result) => port.postMessage(result, [result.latencies.buffer as ArrayBuffer]),
    (error: unknown) => {
      throw error;
    },
  );
}
