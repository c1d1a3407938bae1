import { Type, type TSchema } from "@sinclair/typebox";

/** A nullable field: absent, null or a value (PATCH tells the three apart). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Svix's uid pattern: 1–256 of `[a-zA-Z0-9._-]`. */
export const UidString = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" });
export const EventTypeName = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" });
export const ChannelName = Type.String({ minLength: 1, maxLength: 128, pattern: "^[a-zA-Z0-9\\-_.:+]+$" });
export const Metadata = Type.Record(Type.String(), Type.String());
/** Seconds before each retry, at most 20 retries, each at most 7 days. */
export const RetryScheduleSchema = Type.Array(Type.Integer({ minimum: 0, maximum: 604_800 }), {
  maxItems: 20,
});

/** A datetime in a query string or body (RFC 3339, as the SDK sends `toISOString()`). */
export const DateTimeString = Type.String({ minLength: 1, maxLength: 64 });

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 250 })),
  iterator: Type.Optional(Type.String({ maxLength: 300 })),
  order: Type.Optional(Type.Union([Type.Literal("ascending"), Type.Literal("descending")])),
});

export const WithContentQuery = Type.Object({
  with_content: Type.Optional(Type.Boolean()),
});

export interface ListResponse<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}
