import { createApplicationService, type ApplicationService } from "./applications.js";
import { createAttemptService, type AttemptService } from "./attempts.js";
import type { ServiceContext } from "./context.js";
import { createEndpointService, type EndpointService } from "./endpoints.js";
import { createEventTypeService, type EventTypeService } from "./event-types.js";
import { createHealthService, type HealthService } from "./health.js";
import { createMessageService, type MessageService } from "./messages.js";

/** The use cases HTTP and the CLI share. */
export interface Services {
  applications: ApplicationService;
  eventTypes: EventTypeService;
  endpoints: EndpointService;
  messages: MessageService;
  attempts: AttemptService;
  health: HealthService;
}

export interface ServiceOptions {
  /** Seconds before each retry when neither the endpoint nor its application sets a schedule. */
  defaultRetrySchedule: readonly number[];
  /** Days a message's payload is kept by default (Svix: 90). */
  payloadRetentionDays: number;
}

export function createServices(ctx: ServiceContext, options: ServiceOptions): Services {
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
  return { applications, eventTypes, endpoints, messages, attempts, health: createHealthService(ctx) };
}
