import pg from "pg";
import type { Logger } from "pino";

const RECONNECT_DELAY_MS = 1000;

/**
 * LISTENs on the queue channel of the connection's schema, on a dedicated connection (a pooled one would be handed to other queries). When the
 * connection drops it reconnects after a pause and calls `onQueued` once, since notifications sent meanwhile
 * are lost; the dispatcher's backstop poll covers the gap too.
 */
export async function listenForQueuedWork(
  url: string,
  types: pg.CustomTypesConfig,
  onQueued: () => void,
  log: Logger | undefined,
  /** The listening store's own NOTIFY payload: its own process wakes its engine directly, without a round trip. */
  ownNotifier: string,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, types });
    next.on("notification", (notification) => {
      if (notification.payload !== ownNotifier) onQueued();
    });
    next.on("error", (error) => {
      log?.warn({ err: error }, "store: queue listener connection failed; reconnecting");
      void next.end().catch(() => {});
      if (client === next) client = undefined;
      scheduleReconnect();
    });
    await next.connect();
    // The same name as QUEUE_CHANNEL in hot-path.ts, which NOTIFY computes server-side.
    const { rows } = await next.query<{ channel: string }>(
      "SELECT 'herald_queue:' || current_schema() AS channel",
    );
    await next.query(`LISTEN ${next.escapeIdentifier(rows[0]?.channel ?? "herald_queue:")}`);
    if (stopped) {
      await next.end();
      return;
    }
    client = next;
  }

  function scheduleReconnect(): void {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(onQueued, (error: unknown) => {
        log?.warn({ err: error }, "store: queue listener reconnect failed");
        scheduleReconnect();
      });
    }, RECONNECT_DELAY_MS);
    retry.unref();
  }

  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const current = client;
    client = undefined;
    await current?.end();
  };
}
