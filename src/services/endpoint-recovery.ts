/**
 * Endpoint recovery (svix-api.md §5.5): re-send, as manual attempts, every message whose delivery to one
 * endpoint failed in a window. The HTTP request only starts the work; it runs in the background in bounded
 * batches, so a recovery of 10 000 messages costs 20 round trips and never holds a request open.
 */
import { ValidationError } from "../domain/errors.js";
import { newId, type EndpointId, type MessageId, type TaskId } from "../domain/ids.js";
import type { Application, Endpoint, EpochMs } from "../domain/types.js";
import type { ManualDeliveryRequest } from "../store/store.js";
import type { ServiceContext } from "./context.js";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Svix's limit, with its five minutes of slack for clients whose `since` is "14 days before my now". */
export const MAX_RECOVERY_SPAN_MS = 14 * DAY_MS + 5 * MINUTE_MS;
export const MAX_RECOVERED_MESSAGES = 10_000;
const RECOVERY_BATCH = 500;

export interface BackgroundTask {
  id: TaskId;
  status: "running";
  task: "endpoint.recover";
  updatedAt: EpochMs;
}

export interface EndpointRecovery {
  start(application: Application, endpoint: Endpoint, since: EpochMs, until: EpochMs | null): BackgroundTask;
  /** Resolves once every recovery started so far has finished (for shutdown and tests). */
  whenIdle(): Promise<void>;
}

/** Queues manual deliveries; the messages service's version also wakes the delivery engine. */
export type QueueManualDeliveries = (requests: readonly ManualDeliveryRequest[]) => Promise<unknown>;

export function createEndpointRecovery(
  ctx: ServiceContext,
  queueManualDeliveries: QueueManualDeliveries = (requests) =>
    ctx.store.enqueueManualDeliveries(requests, ctx.now()),
): EndpointRecovery {
  const running = new Set<Promise<void>>();

  async function recover(
    task: TaskId,
    application: Application,
    endpointId: EndpointId,
    since: EpochMs,
    until: EpochMs,
  ) {
    let cursor: MessageId | null = null;
    let queued = 0;
    while (queued < MAX_RECOVERED_MESSAGES) {
      const limit = Math.min(RECOVERY_BATCH, MAX_RECOVERED_MESSAGES - queued);
      const messageIds: MessageId[] = await ctx.store.listFailedMessageIds(
        endpointId,
        since,
        until,
        cursor,
        limit,
      );
      if (messageIds.length === 0) break;
      await queueManualDeliveries(
        messageIds.map((messageId) => ({ appId: application.id, messageId, endpointId })),
      );
      queued += messageIds.length;
      cursor = messageIds[messageIds.length - 1] ?? null;
      if (messageIds.length < limit) break;
    }
    ctx.log.info({ task, appId: application.id, endpointId, messages: queued }, "endpoint recovery queued");
  }

  return {
    start(application, endpoint, since, requestedUntil) {
      const now = ctx.now();
      const until = requestedUntil ?? now;
      if (until <= since) throw ValidationError.field(["body", "until"], "'until' must be after 'since'");
      if (until - since > MAX_RECOVERY_SPAN_MS) {
        throw ValidationError.field(["body", "since"], "Cannot recover more than 14 days of messages");
      }
      const task: BackgroundTask = {
        id: newId("task", now),
        status: "running",
        task: "endpoint.recover",
        updatedAt: now,
      };
      // setImmediate: the 202 is written before the first store call, which may block the thread on SQLite.
      const work = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => recover(task.id, application, endpoint.id, since, until))
        .catch((error: unknown) => {
          ctx.log.error({ err: error, task: task.id, endpointId: endpoint.id }, "endpoint recovery failed");
        })
        .finally(() => running.delete(work));
      running.add(work);
      return task;
    },

    async whenIdle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
