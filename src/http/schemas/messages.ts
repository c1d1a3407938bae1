import { Type, type Static } from "@sinclair/typebox";
import { ApplicationIn } from "./applications.js";
import { ChannelName, DateTimeString, EventTypeName, ListQuery, Nullable, UidString } from "./common.js";

export const MessageIn = Type.Object({
  eventType: EventTypeName,
  /** Must be a JSON object; checked by the route, which also keeps its exact text. */
  payload: Type.Optional(Type.Unknown()),
  /** Svix's alias of `payload`. */
  data: Type.Optional(Type.Unknown()),
  eventId: Type.Optional(Nullable(UidString)),
  channels: Type.Optional(Nullable(Type.Array(ChannelName, { minItems: 1, maxItems: 10 }))),
  /** Creates the application when `{app_id}` names none. */
  application: Type.Optional(Nullable(ApplicationIn)),
  payloadRetentionPeriod: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 90 }))),
  /** Svix Cloud's finer retention; wins over `payloadRetentionPeriod`. */
  payloadRetentionHours: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 2160 }))),
  /** Only `rawPayload` (a string: the webhook body, verbatim) is honoured; anything else is ignored. */
  transformationsParams: Type.Optional(Type.Unknown()),
});
export type MessageIn = Static<typeof MessageIn>;

export const MessageCreateQuery = Type.Object({ with_content: Type.Optional(Type.Boolean()) });

/** `event_types` arrives comma-joined (the SDK), repeated, or as `event_types[]`; the route merges them. */
const EventTypesParam = Type.Union([Type.String(), Type.Array(Type.String())]);

export const MessageListQuery = Type.Object({
  ...ListQuery.properties,
  channel: Type.Optional(ChannelName),
  before: Type.Optional(DateTimeString),
  after: Type.Optional(DateTimeString),
  with_content: Type.Optional(Type.Boolean()),
  event_types: Type.Optional(EventTypesParam),
  "event_types[]": Type.Optional(EventTypesParam),
});
export type MessageListQuery = Static<typeof MessageListQuery>;

export const MessageGetQuery = Type.Object({ with_content: Type.Optional(Type.Boolean()) });

/** The wire shape; `payload` is written from the stored text, byte for byte. */
export interface MessageOut {
  id: string;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  /** The payload; `{}` with `with_content=false`; `{"expired":true}` once expunged or expired. */
  payload: Record<string, unknown>;
  timestamp: string;
}
