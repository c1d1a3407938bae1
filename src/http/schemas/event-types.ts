import { Type, type Static } from "@sinclair/typebox";
import { EventTypeName, ListQuery, Nullable } from "./common.js";

/** Feature flags and group names share the event-type name pattern (Svix Cloud). */
const FlagName = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" });
/** JSON Schemas by version; each value is checked to be an object by the service. */
const Schemas = Type.Record(Type.String(), Type.Unknown());

const eventTypeFields = {
  description: Type.String({ maxLength: 65_536 }),
  archived: Type.Optional(Type.Boolean()),
  deprecated: Type.Optional(Type.Boolean()),
  schemas: Type.Optional(Nullable(Schemas)),
  groupName: Type.Optional(Nullable(FlagName)),
  featureFlags: Type.Optional(Nullable(Type.Array(FlagName, { minItems: 1, maxItems: 64 }))),
  /** The v1 SDK's single flag; `featureFlags` wins when both are set. */
  featureFlag: Type.Optional(Nullable(FlagName)),
};

export const EventTypeIn = Type.Object({ name: EventTypeName, ...eventTypeFields });
export type EventTypeIn = Static<typeof EventTypeIn>;

/** PUT: the name comes from the path. */
export const EventTypeUpsertIn = Type.Object(eventTypeFields);
export type EventTypeUpsertIn = Static<typeof EventTypeUpsertIn>;

export const EventTypePatch = Type.Object({
  description: Type.Optional(eventTypeFields.description),
  archived: Type.Optional(Type.Boolean()),
  deprecated: Type.Optional(Type.Boolean()),
  schemas: eventTypeFields.schemas,
  groupName: eventTypeFields.groupName,
  featureFlags: eventTypeFields.featureFlags,
  featureFlag: eventTypeFields.featureFlag,
});
export type EventTypePatch = Static<typeof EventTypePatch>;

export const EventTypeListQuery = Type.Composite([
  ListQuery,
  Type.Object({
    include_archived: Type.Optional(Type.Boolean()),
    with_content: Type.Optional(Type.Boolean()),
  }),
]);

export const EventTypeDeleteQuery = Type.Object({ expunge: Type.Optional(Type.Boolean()) });

export interface EventTypeOut {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
  groupName: string | null;
  featureFlags: string[] | null;
  /** The v1 SDK's single flag: the first of `featureFlags`. */
  featureFlag: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/v1/event-type/{name}/example` (Herald): what send-example and the endpoint test would send. */
export const EventTypeExampleQuery = Type.Object({
  /** Which of the catalog's `examples` (default 0). */
  index: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
});

export interface EventTypeExampleOut {
  eventType: string;
  payload: Record<string, unknown>;
  /** `catalog`: the event type's own example; `generated`: built from its JSON Schema; `placeholder`: `{}`. */
  source: "catalog" | "generated" | "placeholder";
}
