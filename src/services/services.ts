import { createAppStatsService, type AppStatsService } from "./app-stats.js";
import { createApplicationService, type ApplicationService } from "./applications.js";
import { createAttemptService, type AttemptService } from "./attempts.js";
import { createBulkRetryService, type BulkRetryService } from "./bulk-retry.js";
import type { ServiceContext } from "./context.js";
import { createEndpointService, type EndpointService } from "./endpoints.js";
import {
  createEndpointTestService,
  type EndpointTestService,
  type SendTestWebhook,
} from "./endpoint-test.js";
import { createEventTypeService, type EventTypeService } from "./event-types.js";
import { createHealthService, type HealthService } from "./health.js";
import { createMessageService, type MessageService } from "./messages.js";
import { createPortalAccessService, type PortalAccessService } from "./portal-access.js";

/** The use cases HTTP and the CLI share. */
export interface Services {
  applications: ApplicationService;
  eventTypes: EventTypeService;
  endpoints: EndpointService;
  messages: MessageService;
  attempts: AttemptService;
  appStats: AppStatsService;
  bulkRetry: BulkRetryService;
  endpointTest: EndpointTestService;
  health: HealthService;
  portalAccess: PortalAccessService;
}

export interface ServiceOptions {
  /** Seconds before each retry when neither the endpoint nor its application sets a schedule. */
  defaultRetrySchedule: readonly number[];
  /** Days a message's payload is kept by default (Svix: 90). */
  payloadRetentionDays: number;
  /** Signs and verifies portal tokens (derived from the encryption key by the composition root). */
  portalTokenKey: Uint8Array;
}

/** Capabilities of lower layers the composition root hands in (services may not import them). */
export interface ServiceAdapters {
  /** Sends a test event synchronously, as the delivery engine would; without it the test action answers 501. */
  sendTestWebhook?: SendTestWebhook;
}

export function createServices(
  ctx: ServiceContext,
  options: ServiceOptions,
  adapters: ServiceAdapters = {},
): Services {
  const applications = createApplicationService(ctx);
  const eventTypes = createEventTypeService(ctx);
  // Recovery queues manual deliveries through the message service, which also wakes the engine; the closure
  // runs only after both services exist.
  const endpoints = createEndpointService(ctx, {
    applications,
    eventTypes,
    queueManualDeliveries: (requests) => messages.queueManualDeliveries(requests),
  });
  const messages = createMessageService(ctx, options, { applications, endpoints, eventTypes });
  const attempts = createAttemptService(ctx, { applications, endpoints, messages });
  const bulkRetry = createBulkRetryService(ctx, {
    endpoints,
    queueManualDeliveries: (requests) => messages.queueManualDeliveries(requests),
  });
  const endpointTest = createEndpointTestService(ctx, options, {
    endpoints,
    eventTypes,
    send: adapters.sendTestWebhook,
  });
  return {
    applications,
    eventTypes,
    endpoints,
    messages,
    attempts,
    appStats: createAppStatsService(ctx, { endpoints }),
    bulkRetry,
    endpointTest,
    health: createHealthService(ctx),
    portalAccess: createPortalAccessService(ctx, options, { applications }),
  };
}
