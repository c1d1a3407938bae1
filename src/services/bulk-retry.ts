/**
 * Bulk retry (a Herald extension): re-send, as manual attempts, every delivery of one application that a filter
 * chooses — by final status (failed by default), event types, the messages' time window and one endpoint.
 * Like endpoint recovery, the HTTP request only starts the work; it runs in the background in bounded batches
 * (a store call examines at most `BATCH_MESSAGES` messages), and queues at most `MAX_RETRIED_DELIVERIES`.
 */
import { ValidationError } from "../domain/errors.js";
import { newId, type EndpointId, type MessageId, type TaskId } from "../domain/ids.js";
import { MessageStatus, type Application, type EpochMs } from "../domain/types.js";
import { normaliseSet } from "../domain/validation.js";
import type { RetryFilter } from "../store/store.js";
import type { ServiceContext } from "./context.js";
import {
  MAX_RECOVERED_MESSAGES,
  MAX_RECOVERY_SPAN_MS,
  type QueueManualDeliveries,
} from "./endpoint-recovery.js";
import type { EndpointService } from "./endpoints.js";

/** The same bounds as endpoint recovery: 14 days (and 5 minutes) of messages, 10 000 re-sends per task. */
export const MAX_BULK_RETRY_SPAN_MS = MAX_RECOVERY_SPAN_MS;
export const MAX_RETRIED_DELIVERIES = MAX_RECOVERED_MESSAGES;
const BATCH_MESSAGES = 500;

/** Final states a delivery can be retried from; pending (1) and sending (3) are still on their way. */
const RETRYABLE_STATUSES: readonly MessageStatus[] = [
  MessageStatus.Fail,
  MessageStatus.Success,
  MessageStatus.Canceled,
];

export interface BulkRetryRequest {
  /** Default: failed. */
  status: MessageStatus | null;
  /** Null or absent: every event type. */
  eventTypes: string[] | null;
  /** One endpoint (id or uid); null: every endpoint of the application. */
  endpointIdOrUid: string | null;
  since: EpochMs;
  /** Default: now. */
  until: EpochMs | null;
}

export interface BulkRetryTask {
  id: TaskId;
  status: "running";
  task: "app.bulk-retry";
  updatedAt: EpochMs;
}

export interface BulkRetryService {
  start(application: Application, request: BulkRetryRequest): Promise<BulkRetryTask>;
  /** Resolves once every bulk retry started so far has finished (for shutdown and tests). */
  whenIdle(): Promise<void>;
}

export function createBulkRetryService(
  ctx: ServiceContext,
  deps: { endpoints: EndpointService; queueManualDeliveries: QueueManualDeliveries },
): BulkRetryService {
  const running = new Set<Promise<void>>();

  async function retry(task: TaskId, application: Application, filter: RetryFilter): Promise<void> {
    let cursor: MessageId | null = null;
    let queued = 0;
    do {
      const batch = await ctx.store.listDeliveriesForRetry(
        application.id,
        filter,
        cursor,
        BATCH_MESSAGES,
        ctx.now(),
      );
      const requests = batch.requests.slice(0, MAX_RETRIED_DELIVERIES - queued);
      if (requests.length > 0) await deps.queueManualDeliveries(requests);
      queued += requests.length;
      cursor = batch.cursor;
    } while (cursor !== null && queued < MAX_RETRIED_DELIVERIES);
    ctx.log.info(
      { task, appId: application.id, endpointId: filter.endpointId, deliveries: queued },
      "bulk retry queued",
    );
  }

  return {
    async start(application, request) {
      const now = ctx.now();
      const status = request.status ?? MessageStatus.Fail;
      if (!RETRYABLE_STATUSES.includes(status)) {
        throw ValidationError.field(
          ["body", "status"],
          "Only deliveries that failed (2), succeeded (0) or were canceled (4) can be retried",
        );
      }
      const until = request.until ?? now;
      if (until <= request.since)
        throw ValidationError.field(["body", "until"], "'until' must be after 'since'");
      if (until - request.since > MAX_BULK_RETRY_SPAN_MS) {
        throw ValidationError.field(["body", "since"], "Cannot retry more than 14 days of messages");
      }
      let endpointId: EndpointId | null = null;
      if (request.endpointIdOrUid !== null) {
        endpointId = (await deps.endpoints.get(application, request.endpointIdOrUid)).id;
      }
      const filter: RetryFilter = {
        status,
        eventTypes: request.eventTypes === null ? null : normaliseSet(request.eventTypes),
        endpointId,
        since: request.since,
        until,
      };
      const task: BulkRetryTask = {
        id: newId("task", now),
        status: "running",
        task: "app.bulk-retry",
        updatedAt: now,
      };
      // setImmediate: the 202 is written before the first store call, which may block the thread on SQLite.
      const work = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => retry(task.id, application, filter))
        .catch((error: unknown) => {
          ctx.log.error({ err: error, task: task.id, appId: application.id }, "bulk retry failed");
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
