import { Type, type Static } from "@sinclair/typebox";
import type { NetworkErrorKind } from "../../domain/types.js";
import { ChannelName, DateTimeString, ListQuery } from "./common.js";
import type { EndpointOut } from "./endpoints.js";
import type { MessageOut } from "./messages.js";

const EventTypesParam = Type.Union([Type.String(), Type.Array(Type.String())]);

/** Filters every attempt list and S2 share (`expanded_statuses`, `with_msg`, `tag` are accepted and ignored). */
const attemptFilters = {
  ...ListQuery.properties,
  status: Type.Optional(Type.Integer({ minimum: 0, maximum: 4 })),
  channel: Type.Optional(ChannelName),
  before: Type.Optional(DateTimeString),
  after: Type.Optional(DateTimeString),
  with_content: Type.Optional(Type.Boolean()),
  event_types: Type.Optional(EventTypesParam),
  "event_types[]": Type.Optional(EventTypesParam),
};

export const AttemptListQuery = Type.Object({
  ...attemptFilters,
  /** 0, 100, 200, 300, 400 or 500. */
  status_code_class: Type.Optional(Type.Integer({ minimum: 0, maximum: 500, multipleOf: 100 })),
  /** Application-wide and by-message listings: one endpoint, by id or uid (ignored by the by-endpoint listing). */
  endpoint_id: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
});
export type AttemptListQuery = Static<typeof AttemptListQuery>;

export const AttemptedMessagesQuery = Type.Object(attemptFilters);
export type AttemptedMessagesQuery = Static<typeof AttemptedMessagesQuery>;

export type StatusText = "success" | "pending" | "fail" | "sending" | "canceled";

export interface MessageAttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  /** The response body (capped); `"{}"` with `with_content=false`; `"EXPUNGED"` after expunge. */
  response: string;
  /** 0 when no HTTP response was received. */
  responseStatusCode: number;
  responseDurationMs: number;
  status: number;
  statusText: StatusText;
  /** 0 scheduled, 1 manual. */
  triggerType: number;
  timestamp: string;
  // Herald's additions.
  eventType: string;
  /** 1 for the first attempt of a delivery. */
  attemptNumber: number;
  /** Why no HTTP status was received (timeout, dns, …); null when one was. */
  errorKind: NetworkErrorKind | null;
  /** When the next automatic retry is due; null when none is scheduled. */
  nextAttempt: string | null;
  /**
   * The request headers sent, `user-agent` and signature headers included; the values of sensitive custom
   * headers (those GET …/headers lists as `sensitive`, e.g. `Authorization`) read `********`. Kept when the
   * content is expunged (headers are not payload). `{}` with `with_content=false`; null when none were recorded:
   * attempts from before Herald kept them, and attempts whose request could not be built (nothing was sent).
   */
  requestHeaders: Record<string, string> | null;
}

/** S1: an endpoint (without metadata) with one message's delivery state. */
export type MessageEndpointOut = Omit<EndpointOut, "metadata"> & {
  status: number;
  statusText: StatusText;
  nextAttempt: string | null;
};

/** S2: a message with one endpoint's delivery state. */
export interface EndpointMessageOut extends MessageOut {
  status: number;
  statusText: StatusText;
  nextAttempt: string | null;
}
