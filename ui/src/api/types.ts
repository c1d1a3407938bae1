/**
 * The API's shapes, taken from the server's own schema modules (types only: nothing of the server is bundled).
 * The UI never re-declares a response type the server already names.
 */
import type { Static } from "@sinclair/typebox";
import type {
  EndpointHeadersIn as EndpointHeadersInSchema,
  EndpointSecretRotateIn as EndpointSecretRotateInSchema,
  RecoverIn as RecoverInSchema,
  SignatureIn as SignatureInSchema,
} from "../../../src/http/schemas/endpoints";

export type { ApplicationIn, ApplicationOut, ApplicationPatch } from "../../../src/http/schemas/applications";
export type { MessageAttemptOut, StatusText } from "../../../src/http/schemas/attempts";
export type { AppPortalAccessOut, PortalTokenClaims } from "../../../src/http/schemas/auth";
export type { ListResponse } from "../../../src/http/schemas/common";
export type {
  EndpointHeadersOut,
  EndpointIn,
  EndpointOut,
  EndpointPatch,
  RecoverOut,
  SignatureOut,
} from "../../../src/http/schemas/endpoints";
export type {
  EventTypeExampleOut,
  EventTypeIn,
  EventTypeOut,
  EventTypePatch,
} from "../../../src/http/schemas/event-types";
export type { MessageIn, MessageOut } from "../../../src/http/schemas/messages";
export type {
  BulkRetryIn,
  BulkRetryOut,
  EndpointTestIn,
  EndpointTestOut,
} from "../../../src/http/schemas/recovery";
export type {
  AppStatsOut,
  DeliveryStatsOut,
  EndpointStatsSummaryOut,
  LastAttemptOut,
  StatsBucketOut,
} from "../../../src/http/schemas/stats";

export type SignatureIn = Static<typeof SignatureInSchema>;
export type EndpointHeadersIn = Static<typeof EndpointHeadersInSchema>;
export type EndpointSecretRotateIn = Static<typeof EndpointSecretRotateInSchema>;
export type RecoverIn = Static<typeof RecoverInSchema>;

/** `GET …/endpoint/{id}/secret`. */
export interface EndpointSecretOut {
  key: string;
}

/** Attempt and delivery status codes (Svix's MessageStatus). */
export const MessageStatus = { Success: 0, Pending: 1, Fail: 2, Sending: 3, Canceled: 4 } as const;
