import { Type, type Static } from "@sinclair/typebox";
import {
  ChannelName,
  DateTimeString,
  EventTypeName,
  Metadata,
  Nullable,
  RetryScheduleSchema,
  UidString,
} from "./common.js";

const ThrottleRate = Type.Integer({ minimum: 1, maximum: 65_535 });
/** Non-empty when present: `null` (or absence) is how "every event type" is said. */
const EventTypeFilter = Type.Array(EventTypeName, { minItems: 1, maxItems: 1000 });
const Channels = Type.Array(ChannelName, { minItems: 1, maxItems: 10 });
const HeaderMap = Type.Record(Type.String(), Type.String());

/** Herald: how deliveries are signed (DESIGN §5); omitted hmac sub-fields take defaults. */
export const SignatureIn = Type.Union([
  Type.Object({ scheme: Type.Literal("standard") }),
  Type.Object({ scheme: Type.Literal("none") }),
  Type.Object({
    scheme: Type.Literal("hmac"),
    algorithm: Type.Optional(
      Type.Union([Type.Literal("sha256"), Type.Literal("sha1"), Type.Literal("sha512")]),
    ),
    encoding: Type.Optional(Type.Union([Type.Literal("hex"), Type.Literal("base64")])),
    header: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    prefix: Type.Optional(Type.String({ maxLength: 64 })),
    signedContent: Type.Optional(Type.Union([Type.Literal("body"), Type.Literal("timestamp.body")])),
  }),
]);

/** The fields EndpointIn, EndpointUpsertIn and EndpointPatch share, as they appear in EndpointIn. */
const endpointFields = {
  url: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  uid: Type.Optional(Nullable(UidString)),
  disabled: Type.Optional(Type.Boolean()),
  eventTypes: Type.Optional(Nullable(EventTypeFilter)),
  /** The v1 SDK's name for `eventTypes`; `eventTypes` wins when both are present. */
  filterTypes: Type.Optional(Nullable(EventTypeFilter)),
  channels: Type.Optional(Nullable(Channels)),
  throttleRate: Type.Optional(Nullable(ThrottleRate)),
  /** The v1 SDK's name for `throttleRate`. */
  rateLimit: Type.Optional(Nullable(ThrottleRate)),
  metadata: Type.Optional(Nullable(Metadata)),
  /** Deprecated (v1 SDK); stored and echoed. */
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
  /** Initial (POST) or replacement (PUT) custom headers, validated as in …/headers. */
  headers: Type.Optional(Nullable(HeaderMap)),
  // Herald's own fields; the svix SDK neither sends nor reads them.
  name: Type.Optional(Type.String({ maxLength: 256 })),
  payloadFormat: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("form")])),
  signature: Type.Optional(SignatureIn),
  retrySchedule: Type.Optional(Nullable(RetryScheduleSchema)),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
};

const secret = Type.Optional(Nullable(Type.String({ maxLength: 512 })));

export const EndpointIn = Type.Object({ ...endpointFields, secret });
export type EndpointIn = Static<typeof EndpointIn>;

/** PUT: `secret` only matters when the PUT creates the endpoint. */
export const EndpointUpsertIn = EndpointIn;
export type EndpointUpsertIn = EndpointIn;

/** Every field optional; the ones that are not nullable in EndpointIn reject `null` (metadata excepted: {}). */
export const EndpointPatch = Type.Object({
  ...endpointFields,
  url: Type.Optional(endpointFields.url),
});
export type EndpointPatch = Static<typeof EndpointPatch>;

export const EndpointSecretRotateIn = Type.Object({
  key: Type.Optional(Nullable(Type.String({ maxLength: 512 }))),
  gracePeriodSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 604_800 }))),
});

export const EndpointHeadersIn = Type.Object({ headers: HeaderMap });

export const EndpointHeadersPatchIn = Type.Object({
  headers: Type.Record(Type.String(), Nullable(Type.String())),
  deleteHeaders: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 })),
});

export const RecoverIn = Type.Object({
  since: DateTimeString,
  until: Type.Optional(Nullable(DateTimeString)),
});

export const EndpointStatsQuery = Type.Object({
  since: Type.Optional(DateTimeString),
  until: Type.Optional(DateTimeString),
});

export const EventExampleIn = Type.Object({
  eventType: EventTypeName,
  exampleIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
});

export interface SignatureOut {
  scheme: "standard" | "hmac" | "none";
  algorithm?: string;
  encoding?: string;
  header?: string;
  prefix?: string;
  signedContent?: string;
}

export interface EndpointOut {
  id: string;
  uid: string | null;
  url: string;
  name: string;
  description: string;
  disabled: boolean;
  eventTypes: string[] | null;
  filterTypes: string[] | null;
  channels: string[] | null;
  throttleRate: number | null;
  rateLimit: number | null;
  version: number;
  metadata: Record<string, string>;
  payloadFormat: "json" | "form";
  signature: SignatureOut;
  retrySchedule: number[] | null;
  timeoutSeconds: number;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointHeadersOut {
  headers: Record<string, string>;
  sensitive: string[];
}

export interface RecoverOut {
  id: string;
  status: "running";
  task: "endpoint.recover";
  updatedAt: string;
}

export interface MessageOut {
  id: string;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  payload: Record<string, never>;
  timestamp: string;
}
