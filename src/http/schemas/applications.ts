import { Type, type Static } from "@sinclair/typebox";
import { Metadata, Nullable, RetryScheduleSchema, UidString } from "./common.js";

const ThrottleRate = Type.Integer({ minimum: 1, maximum: 65_535 });

export const ApplicationIn = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  uid: Type.Optional(Nullable(UidString)),
  throttleRate: Type.Optional(Nullable(ThrottleRate)),
  /** Deprecated alias sent by the v1 SDK; `throttleRate` wins when both are set. */
  rateLimit: Type.Optional(Nullable(ThrottleRate)),
  metadata: Type.Optional(Nullable(Metadata)),
  /** Herald: the default retry schedule of this application's endpoints. */
  retrySchedule: Type.Optional(Nullable(RetryScheduleSchema)),
});
export type ApplicationIn = Static<typeof ApplicationIn>;

export const ApplicationPatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  uid: Type.Optional(Nullable(UidString)),
  throttleRate: Type.Optional(Nullable(ThrottleRate)),
  rateLimit: Type.Optional(Nullable(ThrottleRate)),
  metadata: Type.Optional(Nullable(Metadata)),
  retrySchedule: Type.Optional(Nullable(RetryScheduleSchema)),
});
export type ApplicationPatch = Static<typeof ApplicationPatch>;

export const ApplicationCreateQuery = Type.Object({ get_if_exists: Type.Optional(Type.Boolean()) });

export interface ApplicationOut {
  id: string;
  uid: string | null;
  name: string;
  throttleRate: number | null;
  rateLimit?: number;
  metadata: Record<string, string>;
  retrySchedule: number[] | null;
  createdAt: string;
  updatedAt: string;
}
